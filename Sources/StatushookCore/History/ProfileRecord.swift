import PostgresClient

/// A row of `profiles`, as Twilio's CustomerProfile resource.
struct ProfileRecord: HistoryRecord, Equatable {
    var sid: String
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

    init(sid: String, accountSid: String? = nil, policySid: String? = nil, friendlyName: String? = nil, status: String,
         email: String? = nil, statusCallback: String? = nil, validUntil: String? = nil, dateCreated: String,
         dateUpdated: String, errors: String? = nil) {
        self.sid = sid
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

    init(row: PostgresRow) throws(HistoryRowError) {
        self.init(sid: try row.historyText("sid"), accountSid: row["account_sid"], policySid: row["policy_sid"],
                  friendlyName: row["friendly_name"], status: try row.historyText("status"), email: row["email"],
                  statusCallback: row["status_callback"], validUntil: row["valid_until"],
                  dateCreated: try row.historyText("date_created"), dateUpdated: try row.historyText("date_updated"),
                  errors: row["errors"])
    }

    var pageKey: PageToken.Key { .profile(sid: sid) }

    /// Every field of Twilio's resource, in its SDK's order, `links` with ours (`transitions`) added.
    func json(base: String) -> JSONValue {
        let url = base + HistoryRoute.profilePath(sid: sid)
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
                ("customer_profiles_entity_assignments", .string(url + "/EntityAssignments")),
                ("customer_profiles_evaluations", .string(url + "/Evaluations")),
                ("customer_profiles_channel_endpoint_assignment", .string(url + "/ChannelEndpointAssignments")),
                ("transitions", .string(url + "/Transitions")),
            ])),
            // Stored by PostgreSQL as jsonb, so always JSON; null if it somehow is not.
            ("errors", errors.flatMap { JSONValue(parsing: $0) } ?? .null),
        ])
    }
}
