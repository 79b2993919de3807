/// The event every sink renders for one delivery of one transition.
public struct TransitionEvent: Sendable, Equatable {
    /// The delivery: unique per transition and sink (`webhook-id`).
    public var deliveryID: Int64
    /// The transition: the same for every sink (the event's `id`).
    public var transitionID: Int64
    public var sid: String
    /// What the SID names, when known; an unknown kind is told as a customer profile.
    public var kind: ResourceKind?
    public var accountSid: String?
    public var from: String?
    public var to: String
    public var failureReason: String?
    public var unexpected: Bool
    /// RFC 3339, UTC.
    public var occurredAt: String
    /// What is known of the profile beyond the callback: its name at least, and everything the
    /// TrustHub API told once enrichment ran. Nil when nothing is known.
    public var profile: ProfileDetails?

    public init(deliveryID: Int64, transitionID: Int64, sid: String, accountSid: String?, from: String?, to: String,
                failureReason: String?, unexpected: Bool, occurredAt: String, friendlyName: String? = nil,
                kind: ResourceKind? = nil) {
        self.deliveryID = deliveryID
        self.transitionID = transitionID
        self.sid = sid
        self.kind = kind
        self.accountSid = accountSid
        self.from = from
        self.to = to
        self.failureReason = failureReason
        self.unexpected = unexpected
        self.occurredAt = occurredAt
        self.profile = friendlyName.map { ProfileDetails(friendlyName: $0) }
    }

    /// The profile's friendly name, when known.
    public var friendlyName: String? {
        profile?.friendlyName
    }

    /// The kind the event is told as: a SID of unknown kind as a customer profile.
    public var resourceKind: ResourceKind {
        kind ?? .customerProfile
    }

    /// `{"type":"customer_profile.status_changed","id",…}` (`trust_product.status_changed` for a
    /// trust product): the body of a webhook and a log line.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string(resourceKind.eventType)),
            ("id", .string("TR\(transitionID)")),
            ("sid", .string(sid)),
            ("account_sid", accountSid.json),
            ("from", from.json),
            ("to", .string(to)),
            ("failure_reason", failureReason.json),
            ("unexpected", .bool(unexpected)),
            ("occurred_at", .string(occurredAt)),
        ]
        if let profile {
            members.append(("profile", profile.json))
        }
        return .object(members)
    }
}

/// The event's `profile`: the resource's own fields, as Twilio names them.
///
/// Only the name is known before enrichment; after it, every field is present (`null` when the
/// API has none), so that a receiver can tell "not fetched" (absent) from "empty" (null).
public struct ProfileDetails: Sendable, Equatable {
    public var friendlyName: String?
    /// False until the TrustHub API's fields were stored for this profile.
    public var enriched: Bool
    public var policySid: String?
    public var email: String?
    public var statusCallback: String?
    /// RFC 3339, UTC.
    public var validUntil: String?
    /// Twilio's `errors` as stored: `[{"code": 18601}]`.
    public var errors: JSONValue?
    /// The API's own times (RFC 3339, UTC).
    public var dateCreated: String?
    public var dateUpdated: String?

    public init(friendlyName: String?, enriched: Bool = false, policySid: String? = nil, email: String? = nil,
                statusCallback: String? = nil, validUntil: String? = nil, errors: JSONValue? = nil,
                dateCreated: String? = nil, dateUpdated: String? = nil) {
        self.friendlyName = friendlyName
        self.enriched = enriched
        self.policySid = policySid
        self.email = email
        self.statusCallback = statusCallback
        self.validUntil = validUntil
        self.errors = errors
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
    }

    /// The Twilio error codes of `errors`, in order, once each.
    public var errorCodes: [String] {
        errors?.twilioErrorCodes ?? []
    }

    public var json: JSONValue {
        guard enriched else { return .object([("friendly_name", friendlyName.json)]) }
        return .object([
            ("friendly_name", friendlyName.json),
            ("policy_sid", policySid.json),
            ("email", email.json),
            ("status_callback", statusCallback.json),
            ("valid_until", validUntil.json),
            ("errors", errors ?? .null),
            ("date_created", dateCreated.json),
            ("date_updated", dateUpdated.json),
        ])
    }
}

extension JSONValue {
    /// The codes of a Twilio `errors` array (`code`, a number or digits, of each entry), in order, once each.
    var twilioErrorCodes: [String] {
        guard case .array(let entries) = self else { return [] }
        var codes: [String] = []
        for entry in entries {
            guard case .object(let members) = entry else { continue }
            let code: String?
            switch members.first(where: { $0.0 == "code" || $0.0 == "error_code" })?.1 {
            case .int(let number): code = String(number)
            case .string(let text) where !text.isEmpty && text.utf8.allSatisfy({ (0x30...0x39).contains($0) }): code = text
            default: code = nil
            }
            if let code, !codes.contains(code) { codes.append(code) }
        }
        return codes
    }
}
