/// A webhook sink: a signed `POST` per transition, the Standard Webhooks way.
public struct WebhookSinkSettings: Sendable, Equatable {
    /// An http or https URL.
    public var url: String
    /// `whsec_` followed by base64, as Standard Webhooks writes secrets.
    public var secret: String
    /// During a rotation, events are signed with both secrets.
    public var secretPrevious: String?
    public var timeout: Duration

    public init(url: String, secret: String, secretPrevious: String? = nil, timeout: Duration = .seconds(15)) {
        self.url = url
        self.secret = secret
        self.secretPrevious = secretPrevious
        self.timeout = timeout
    }
}
