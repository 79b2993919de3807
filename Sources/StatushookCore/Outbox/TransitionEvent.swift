/// The event every sink renders for one delivery of one transition (PRODUCT §2).
public struct TransitionEvent: Sendable, Equatable {
    /// The delivery: unique per transition and sink (`webhook-id`).
    public var deliveryID: Int64
    /// The transition: the same for every sink (the event's `id`).
    public var transitionID: Int64
    public var sid: String
    public var accountSid: String?
    public var from: String?
    public var to: String
    public var failureReason: String?
    public var unexpected: Bool
    /// RFC 3339, UTC.
    public var occurredAt: String
    /// The profile's friendly name, when known (enrichment comes with the TrustHub API work).
    public var friendlyName: String?

    public init(deliveryID: Int64, transitionID: Int64, sid: String, accountSid: String?, from: String?, to: String,
                failureReason: String?, unexpected: Bool, occurredAt: String, friendlyName: String? = nil) {
        self.deliveryID = deliveryID
        self.transitionID = transitionID
        self.sid = sid
        self.accountSid = accountSid
        self.from = from
        self.to = to
        self.failureReason = failureReason
        self.unexpected = unexpected
        self.occurredAt = occurredAt
        self.friendlyName = friendlyName
    }

    /// `{"type":"customer_profile.status_changed","id",…}`: the body of a webhook and a log line.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", "customer_profile.status_changed"),
            ("id", .string("TR\(transitionID)")),
            ("sid", .string(sid)),
            ("account_sid", accountSid.json),
            ("from", from.json),
            ("to", .string(to)),
            ("failure_reason", failureReason.json),
            ("unexpected", .bool(unexpected)),
            ("occurred_at", .string(occurredAt)),
        ]
        if let friendlyName {
            members.append(("profile", .object([("friendly_name", .string(friendlyName))])))
        }
        return .object(members)
    }
}
