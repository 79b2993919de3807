/// What a callback says, once its signature is valid.
public struct CallbackContent: Sendable, Equatable {
    /// The resource SID (`BU` + 32 hex digits), from the first present of the SID keys.
    public var sid: String
    /// What the SID's parameter name says of the resource (`CustomerProfileSid`,
    /// `TrustProductSid`); nil for the names that say nothing (`BundleSID`, `Sid`, …).
    public var kind: ResourceKind?
    /// `[a-z0-9-]{1,64}`; possibly a status Twilio added without notice (see `isKnownStatus`).
    public var status: String
    /// `AC` + 32 hex digits, when the callback names it.
    public var accountSid: String?
    /// Verbatim when a string; the JSON text of any other JSON value; nil when absent or empty.
    public var failureReason: String?
    /// One of `TransitionRules.knownStatuses`; a signed callback with another status is still
    /// recorded, flagged unexpected.
    public var isKnownStatus: Bool
    /// Every parameter as a JSON object: a form body as `{"name": "value"}`, or
    /// `{"name": ["v1", "v2"]}` for a repeated name (body order); a JSON body as sent.
    public var paramsJSON: String
    /// Stable bytes for the idempotency hash: a form body's distinct pairs sorted as the
    /// signature sorts them, each length-prefixed so no two bodies collide; a JSON body as sent.
    public var canonicalParams: [UInt8]

    public init(
        sid: String,
        kind: ResourceKind? = nil,
        status: String,
        accountSid: String? = nil,
        failureReason: String? = nil,
        isKnownStatus: Bool,
        paramsJSON: String,
        canonicalParams: [UInt8]
    ) {
        self.sid = sid
        self.kind = kind
        self.status = status
        self.accountSid = accountSid
        self.failureReason = failureReason
        self.isKnownStatus = isKnownStatus
        self.paramsJSON = paramsJSON
        self.canonicalParams = canonicalParams
    }
}
