import PostgresClient

/// A row of `deliveries` with its attempts.
struct DeliveryRecord: HistoryRecord, Equatable {
    /// One row of `delivery_attempts`.
    struct Attempt: Sendable, Equatable {
        var attempt: Int64
        var worker: String
        var startedAt: String
        var durationMilliseconds: Int64
        var outcome: String
        var detail: String

        init(attempt: Int64, worker: String, startedAt: String, durationMilliseconds: Int64, outcome: String, detail: String) {
            self.attempt = attempt
            self.worker = worker
            self.startedAt = startedAt
            self.durationMilliseconds = durationMilliseconds
            self.outcome = outcome
            self.detail = detail
        }

        init(row: PostgresRow) throws(PostgresDecodingError) {
            self.init(attempt: try row.decode("attempt", as: Int64.self), worker: try row.decode("worker", as: String.self),
                      startedAt: try row.decode("started_at", as: String.self), durationMilliseconds: try row.decode("duration_ms", as: Int64.self),
                      outcome: try row.decode("outcome", as: String.self), detail: try row.decode("detail", as: String.self))
        }

        var json: JSONValue {
            .object([
                ("attempt", .int(attempt)),
                ("worker", .string(worker)),
                ("date_started", .string(HistoryDate.twilio(startedAt))),
                ("duration_ms", .int(durationMilliseconds)),
                ("outcome", .string(outcome)),
                ("detail", .string(detail)),
            ])
        }
    }

    /// The `webhook-id` of the delivery, and what `statushook deliveries` shows.
    var id: Int64
    /// Exactly one of the transition and the sink notice is set.
    var transitionID: Int64?
    var noticeID: Int64?
    /// The transition's profile; nil for a notice.
    var sid: String?
    var sink: String
    var state: String
    var attemptCount: Int64
    var lastError: String?
    var createdAt: String
    var nextAttemptAt: String
    var finishedAt: String?
    var attempts: [Attempt] = []

    init(id: Int64, transitionID: Int64?, noticeID: Int64? = nil, sid: String?, sink: String, state: String,
         attemptCount: Int64, lastError: String? = nil, createdAt: String, nextAttemptAt: String,
         finishedAt: String? = nil, attempts: [Attempt] = []) {
        self.id = id
        self.transitionID = transitionID
        self.noticeID = noticeID
        self.sid = sid
        self.sink = sink
        self.state = state
        self.attemptCount = attemptCount
        self.lastError = lastError
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
        self.attempts = attempts
    }

    init(row: PostgresRow) throws(PostgresDecodingError) {
        self.init(id: try row.decode("id", as: Int64.self), transitionID: row["transition_id"] == nil ? nil : try row.decode("transition_id", as: Int64.self),
                  noticeID: row["notice_id"] == nil ? nil : try row.decode("notice_id", as: Int64.self), sid: row["sid"],
                  sink: try row.decode("sink", as: String.self), state: try row.decode("state", as: String.self),
                  attemptCount: try row.decode("attempts", as: Int64.self), lastError: row["last_error"],
                  createdAt: try row.decode("created_at", as: String.self), nextAttemptAt: try row.decode("next_attempt_at", as: String.self),
                  finishedAt: row["finished_at"])
    }

    var pageKey: PageToken.Key { .delivery(id: id) }

    /// `transition_id` is the transition's id as the events and `/v1/Transitions` write it.
    func json(base: String) -> JSONValue {
        .object([
            ("id", .int(id)),
            ("transition_id", transitionID.map { .string("TR\($0)") } ?? .null),
            ("notice_id", noticeID.map(JSONValue.int) ?? .null),
            ("sid", sid.json),
            ("sink", .string(sink)),
            ("state", .string(state)),
            ("attempt_count", .int(attemptCount)),
            ("last_error", lastError.json),
            ("date_created", .string(HistoryDate.twilio(createdAt))),
            ("next_attempt_at", .string(HistoryDate.twilio(nextAttemptAt))),
            ("date_finished", finishedAt.map(HistoryDate.twilio).json),
            ("transition_url", transitionID.map { .string(base + HistoryRoute.transitionPath(id: $0)) } ?? .null),
            ("attempts", .array(attempts.map(\.json))),
        ])
    }
}
