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
                stateList.postgresText,
                ids?.postgresText,
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
                subject = .transition(id: try row.decode("transition_id", as: Int64.self), sid: try row.decode("sid", as: String.self),
                                      from: row["from_status"], to: try row.decode("to_status", as: String.self))
            } else {
                subject = .notice(id: try row.decode("notice_id", as: Int64.self), sink: try row.decode("notice_sink", as: String.self))
            }
            return DeliverySummary(
                id: try row.decode("id", as: Int64.self), sink: try row.decode("sink", as: String.self), state: try row.decode("state", as: String.self), subject: subject,
                attempts: try row.decode("attempts", as: Int.self), lastError: row["last_error"], createdAt: try row.decode("created_at", as: String.self),
                nextAttemptAt: try row.decode("next_attempt_at", as: String.self), finishedAt: row["finished_at"])
        }
    }

    /// The attempts recorded for delivery `id`, oldest first.
    public func attempts(ofDelivery id: Int64, on connection: PostgresConnection) throws -> [DeliveryAttempt] {
        try connection.query(OutboxSQL.attempts, [String(id)]).map { row in
            DeliveryAttempt(attempt: try row.decode("attempt", as: Int.self), worker: try row.decode("worker", as: String.self),
                            startedAt: try row.decode("started_at", as: String.self), durationMilliseconds: try row.decode("duration_ms", as: Int.self),
                            outcome: try row.decode("outcome", as: String.self), detail: try row.decode("detail", as: String.self))
        }
    }
}
