import PostgresClient

/// A row of `transitions`.
struct TransitionRecord: HistoryRecord, Equatable {
    var id: Int64
    var sid: String
    var accountSid: String?
    var fromStatus: String?
    var toStatus: String
    var failureReason: String?
    var unexpected: Bool
    /// `callback` or `reconcile`.
    var source: String
    /// `statushook_rfc3339` form: the sort key, exact to the microsecond.
    var occurredAt: String

    init(id: Int64, sid: String, accountSid: String? = nil, fromStatus: String? = nil, toStatus: String,
         failureReason: String? = nil, unexpected: Bool = false, source: String = "callback", occurredAt: String) {
        self.id = id
        self.sid = sid
        self.accountSid = accountSid
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.failureReason = failureReason
        self.unexpected = unexpected
        self.source = source
        self.occurredAt = occurredAt
    }

    init(row: PostgresRow) throws(PostgresDecodingError) {
        self.init(id: try row.decode("id", as: Int64.self), sid: try row.decode("sid", as: String.self), accountSid: row["account_sid"],
                  fromStatus: row["from_status"], toStatus: try row.decode("to_status", as: String.self),
                  failureReason: row["failure_reason"], unexpected: try row.decode("unexpected", as: Bool.self),
                  source: try row.decode("source", as: String.self), occurredAt: try row.decode("occurred_at", as: String.self))
    }

    var pageKey: PageToken.Key { .transition(occurredAt: occurredAt, id: id) }

    /// The id is the event's (`TR` + number), so that what a sink received can be found here.
    func json(base: String) -> JSONValue {
        .object([
            ("id", .string("TR\(id)")),
            ("sid", .string(sid)),
            ("account_sid", accountSid.json),
            ("from_status", fromStatus.json),
            ("to_status", .string(toStatus)),
            ("failure_reason", failureReason.json),
            ("unexpected", .bool(unexpected)),
            ("source", .string(source)),
            ("date_created", .string(HistoryDate.twilio(occurredAt))),
            ("url", .string(base + HistoryRoute.transitionPath(id: id))),
        ])
    }
}
