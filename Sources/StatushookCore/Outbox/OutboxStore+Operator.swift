import PostgresClient

// What `statushook deliveries` and `statushook replay` do.
extension OutboxStore {
    /// Re-queues finished deliveries in `states` that match every given filter; returns how many.
    ///
    /// `ids`, `sink` and the `from`…`to` range of `created_at` (RFC 3339; from inclusive, to
    /// exclusive) narrow the set; a nil filter matches everything. A replayed delivery starts over
    /// with the whole retry schedule (its attempt count goes back to zero); its earlier attempts
    /// stay recorded. The dispatchers are woken.
    public func replay(ids: [Int64]? = nil, sink: String? = nil, from: String? = nil, to: String? = nil,
                       states: Set<ReplayableState> = [.dead], on connection: PostgresConnection) throws -> Int {
        guard !states.isEmpty else { return 0 }
        let stateList = ReplayableState.allCases.filter(states.contains).map(\.rawValue)
        return try connection.transaction {
            let replayed = try connection.query(OutboxSQL.replay, [
                CallbackRecord.textArrayLiteral(stateList),
                ids.map { "{" + $0.map(String.init).joined(separator: ",") + "}" },
                sink, from, to,
            ]).affectedRows
            if replayed > 0 { try connection.notify(Self.channel) }
            return replayed
        }
    }

    /// Deliveries matching every given filter, newest first, at most `limit`.
    public func list(state: String? = nil, sink: String? = nil, sid: String? = nil, limit: Int = 50,
                     on connection: PostgresConnection) throws -> [DeliverySummary] {
        try connection.query(OutboxSQL.list, [state, sink, sid, String(max(limit, 0))]).map { row in
            let subject: DeliverySummary.Subject
            if row["transition_id"] != nil {
                subject = .transition(id: try row.int64("transition_id"), sid: try row.text("sid"),
                                      from: row["from_status"], to: try row.text("to_status"))
            } else {
                subject = .notice(id: try row.int64("notice_id"), sink: try row.text("notice_sink"))
            }
            return DeliverySummary(
                id: try row.int64("id"), sink: try row.text("sink"), state: try row.text("state"), subject: subject,
                attempts: try row.int("attempts"), lastError: row["last_error"], createdAt: try row.text("created_at"),
                nextAttemptAt: try row.text("next_attempt_at"), finishedAt: row["finished_at"])
        }
    }

    /// The attempts recorded for delivery `id`, oldest first.
    public func attempts(ofDelivery id: Int64, on connection: PostgresConnection) throws -> [DeliveryAttempt] {
        try connection.query(OutboxSQL.attempts, [String(id)]).map { row in
            DeliveryAttempt(attempt: try row.int("attempt"), worker: try row.text("worker"),
                            startedAt: try row.text("started_at"), durationMilliseconds: try row.int("duration_ms"),
                            outcome: try row.text("outcome"), detail: try row.text("detail"))
        }
    }
}
