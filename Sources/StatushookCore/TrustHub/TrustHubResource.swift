/// A TrustHub CustomerProfile or TrustProduct, as `GET /v1/CustomerProfiles/{Sid}`,
/// `GET /v1/TrustProducts/{Sid}` and their lists answer it: the two share every field.
///
/// Read defensively: only `sid` and `status` are required; a field of an unexpected type is
/// taken as absent rather than failing the whole resource.
public struct TrustHubResource: Sendable, Equatable {
    public var sid: String
    /// Which collection the API answered under; nil when built by hand without knowing it.
    public var kind: ResourceKind?
    public var accountSid: String?
    public var policySid: String?
    public var friendlyName: String?
    public var status: String
    public var email: String?
    public var statusCallback: String?
    /// ISO 8601 as Twilio writes it (`2019-07-30T22:29:24Z`).
    public var validUntil: String?
    public var dateCreated: String?
    public var dateUpdated: String?
    /// The rejection's errors as sent: `[{"code": 18601}]`, `null` when none.
    public var errors: JSONValue?

    public init(sid: String, kind: ResourceKind? = nil, accountSid: String? = nil, policySid: String? = nil, friendlyName: String? = nil,
                status: String, email: String? = nil, statusCallback: String? = nil, validUntil: String? = nil,
                dateCreated: String? = nil, dateUpdated: String? = nil, errors: JSONValue? = nil) {
        self.sid = sid
        self.kind = kind
        self.accountSid = accountSid
        self.policySid = policySid
        self.friendlyName = friendlyName
        self.status = status
        self.email = email
        self.statusCallback = statusCallback
        self.validUntil = validUntil
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
        self.errors = errors
    }

    public init(json: JSONValue, kind: ResourceKind? = nil) throws(TrustHubError) {
        guard case .object = json else { throw TrustHubError.malformed("a profile is not a JSON object") }
        guard let sid = json.member("sid")?.stringValue, Self.isProfileSid(sid) else {
            throw TrustHubError.malformed("a profile without a valid sid")
        }
        guard let status = json.member("status")?.stringValue, Self.isStatus(status) else {
            throw TrustHubError.malformed("profile \(sid) has no valid status")
        }
        self.init(sid: sid, kind: kind, accountSid: json.member("account_sid")?.stringValue,
                  policySid: json.member("policy_sid")?.stringValue, friendlyName: json.member("friendly_name")?.stringValue,
                  status: status, email: json.member("email")?.stringValue,
                  statusCallback: json.member("status_callback")?.stringValue,
                  validUntil: Self.date(json.member("valid_until")), dateCreated: Self.date(json.member("date_created")),
                  dateUpdated: Self.date(json.member("date_updated")),
                  errors: json.member("errors").flatMap { $0 == .null ? nil : $0 })
    }

    /// The Twilio error codes of `errors`, in order, once each.
    public var errorCodes: [String] {
        errors?.twilioErrorCodes ?? []
    }

    /// `^BU[0-9a-fA-F]{32}$`.
    public static func isProfileSid(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        return scalars.count == 34 && text.hasPrefix("BU") && scalars.dropFirst(2).allSatisfy { $0.isASCII && Character($0).isHexDigit }
    }

    /// `[a-z0-9-]{1,64}`: what a callback's status may be, so that the reconciler records the same.
    static func isStatus(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// An ISO 8601 time PostgreSQL can read (`YYYY-MM-DDTHH:MM:SS…`); anything else is absent.
    static func date(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, text.utf8.count >= 19, text.utf8.count <= 40 else { return nil }
        let allowed = Set("0123456789-:.TZ+ ".utf8)
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy(allowed.contains), bytes[4] == 0x2D, bytes[7] == 0x2D,
              bytes[10] == 0x54 || bytes[10] == 0x20, bytes[13] == 0x3A else { return nil }
        return text
    }
}

/// One page of `GET /v1/CustomerProfiles` or `/v1/TrustProducts`: the resources under `meta.key`,
/// and the next page's URL.
public struct TrustHubResourcePage: Sendable, Equatable {
    public var profiles: [TrustHubResource]
    /// `meta.next_page_url`, followed verbatim; nil on the last page.
    public var nextPageURL: String?

    public init(profiles: [TrustHubResource], nextPageURL: String?) {
        self.profiles = profiles
        self.nextPageURL = nextPageURL
    }

    /// A resource that cannot be read fails the page: skipping it would let the reconciler miss a change.
    public init(json: JSONValue, kind: ResourceKind? = nil) throws(TrustHubError) {
        guard let meta = json.member("meta"), case .object = meta else {
            throw TrustHubError.malformed("a list page without meta")
        }
        let key = meta.member("key")?.stringValue ?? "results"
        guard case .array(let items) = json.member(key) else {
            throw TrustHubError.malformed("a list page without its '\(key)' array")
        }
        var profiles: [TrustHubResource] = []
        for item in items { profiles.append(try TrustHubResource(json: item, kind: kind)) }
        self.init(profiles: profiles, nextPageURL: meta.member("next_page_url")?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
    }
}

extension JSONValue {
    /// The first member named `name` of an object; nil for anything else.
    func member(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }
}
