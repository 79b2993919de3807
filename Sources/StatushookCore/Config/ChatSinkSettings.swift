/// A slack or teams sink: a `POST` per transition (or per digest) to a webhook URL that is itself
/// a secret.
public struct ChatSinkSettings: Sendable, Equatable {
    /// https, or http to this machine (a local relay, a test receiver).
    public var url: ChatWebhookURL
    public var timeout: Duration
    /// When more than this many transitions wait, they go out as one digest message; 0: never.
    /// 10 as for email: a Slack incoming webhook takes about one message a second per channel, so
    /// a flood is worse in a channel than in a mailbox.
    public var digestAfter: Int = 10
    /// While a burst lasts, the least time between two digests of this sink.
    public var digestInterval: Duration = .seconds(60)

    public init(url: String, timeout: Duration = .seconds(15)) {
        self.url = ChatWebhookURL(url)
        self.timeout = timeout
    }
}
