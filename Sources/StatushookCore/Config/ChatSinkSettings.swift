/// A slack or teams sink: a `POST` per transition to a webhook URL that is itself a secret.
public struct ChatSinkSettings: Sendable, Equatable {
    /// https, or http to this machine (a local relay, a test receiver).
    public var url: ChatWebhookURL
    public var timeout: Duration

    public init(url: String, timeout: Duration = .seconds(15)) {
        self.url = ChatWebhookURL(url)
        self.timeout = timeout
    }
}
