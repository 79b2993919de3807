import PostgresClient

/// A row of `profiles`, as Twilio's CustomerProfile or TrustProduct resource (the two share
/// every field; their `url` and `links` differ).
struct ProfileRecord: HistoryRecord, Equatable {
    var sid: String
    /// Nil while unknown: served as a customer profile.
    var kind: ResourceKind?
    var accountSid: String?
    var policySid: String?
    var friendlyName: String?
    var status: String
    var email: String?
    var statusCallback: String?
    /// Times in `statushook_rfc3339` form.
    var validUntil: String?
    var dateCreated: String
    var dateUpdated: String
    /// The `errors` column's JSON text.
    var errors: String?

    init(sid: String, kind: ResourceKind? = nil, accountSid: String? = nil, policySid: String? = nil, friendlyName: String? = nil, status: String,
         email: String? = nil, statusCallback: String? = nil, validUntil: String? = nil, dateCreated: String,
         dateUpdated: String, errors: String? = nil) {
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

    init(row: PostgresRow) throws(PostgresDecodingError) {
        self.init(sid: try row.decode("sid", as: String.self), kind: row["kind"].flatMap(ResourceKind.init(rawValue:)),
                  accountSid: row["account_sid"], policySid: row["policy_sid"],
                  friendlyName: row["friendly_name"], status: try row.decode("status", as: String.self), email: row["email"],
                  statusCallback: row["status_callback"], validUntil: row["valid_until"],
                  dateCreated: try row.decode("date_created", as: String.self), dateUpdated: try row.decode("date_updated", as: String.self),
                  errors: row["errors"])
    }

    var pageKey: PageToken.Key { .profile(sid: sid) }

    /// Every field of Twilio's resource (its OpenAPI description: `twilio_trusthub_v1.json`), in
    /// its SDK's order, `links` with ours (`transitions`) added.
    func json(base: String) -> JSONValue {
        let kind = kind ?? .customerProfile
        let url = base + HistoryRoute.profilePath(sid: sid, kind: kind)
        return .object([
            ("sid", .string(sid)),
            ("account_sid", accountSid.json),
            ("policy_sid", policySid.json),
            ("friendly_name", friendlyName.json),
            ("status", .string(status)),
            ("email", email.json),
            ("status_callback", statusCallback.json),
            ("valid_until", validUntil.map(HistoryDate.twilio).json),
            ("date_created", .string(HistoryDate.twilio(dateCreated))),
            ("date_updated", .string(HistoryDate.twilio(dateUpdated))),
            ("url", .string(url)),
            ("links", .object([
                ("\(kind.linkPrefix)_entity_assignments", .string(url + "/EntityAssignments")),
                ("\(kind.linkPrefix)_evaluations", .string(url + "/Evaluations")),
                ("\(kind.linkPrefix)_channel_endpoint_assignment", .string(url + "/ChannelEndpointAssignments")),
                ("transitions", .string(url + "/Transitions")),
            ])),
            ("errors", Self.errorsArray(errors)),
        ])
    }

    /// Twilio's `errors` is an array or null: a stored object (an API that once answered one)
    /// becomes a one-element array, anything else null.
    static func errorsArray(_ stored: String?) -> JSONValue {
        switch stored.flatMap({ JSONValue(parsing: $0) }) {
        case .array(let items): .array(items)
        case .object(let members): .array([.object(members)])
        default: .null
        }
    }
}
