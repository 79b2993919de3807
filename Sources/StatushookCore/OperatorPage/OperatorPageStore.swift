import PostgresClient

/// Runs ``OperatorPageSQL`` on a connection and reads the rows into records.
struct OperatorPageStore: Sendable {
    /// Resources by kind and status: one pass over `profiles`.
    func statusCounts(on connection: PostgresConnection) throws -> [StatusCount] {
        try connection.query(OperatorPageSQL.statusCounts).map { row throws(PostgresDecodingError) in
            StatusCount(kind: ResourceKind(rawValue: try row.decode("kind", as: String.self)) ?? .customerProfile,
                        status: try row.decode("status", as: String.self), count: try row.decode("count", as: Int64.self))
        }
    }

    func outbox(sinks: [String], on connection: PostgresConnection) throws -> (deliveries: [SinkStateCount], sinks: [SinkHealthRow]) {
        let deliveries = try connection.query(OperatorPageSQL.deliveryCounts).map { row throws(PostgresDecodingError) in
            SinkStateCount(sink: try row.decode("sink", as: String.self), state: try row.decode("state", as: String.self),
                           count: try row.decode("count", as: Int64.self))
        }
        let health = try connection.query(OperatorPageSQL.sinkHealth, [sinks.postgresText]).map { row throws(PostgresDecodingError) in
            SinkHealthRow(sink: try row.decode("sink", as: String.self), configured: try row.decode("configured", as: Bool.self),
                          paused: try row.decode("paused", as: Bool.self), pausedReason: row["paused_reason"],
                          pausedAt: try PageTime(row: row, "paused_at"),
                          consecutiveFailures: try row.decode("consecutive_failures", as: Int64.self),
                          lastError: row["last_error"], lastErrorAt: try PageTime(row: row, "last_error_at"))
        }
        return (deliveries, health)
    }

    /// Up to a page and one more row of the list `query` asks for.
    func profiles(_ query: ProfilesQuery, on connection: PostgresConnection) throws -> [ProfileRow] {
        let statement: OperatorPageSQL.Statement
        if let search = query.search {
            statement = OperatorPageSQL.search(OperatorSearch(search), kind: query.kind, status: query.status)
        } else if query.waiting {
            statement = OperatorPageSQL.waiting(kind: query.kind, after: query.waitingCursor)
        } else {
            statement = OperatorPageSQL.profiles(status: query.status, kind: query.kind, after: query.after)
        }
        return try connection.query(statement.sql, statement.parameters).map { row throws(PostgresDecodingError) in try ProfileRow(row: row) }
    }

    /// The resource `sid`, its latest transitions and their deliveries with their attempts; nil when unknown.
    func profile(sid: String, on connection: PostgresConnection) throws
        -> (detail: ProfileDetail, transitions: [TransitionRow], deliveries: [DeliveryRow])? {
        guard let row = try connection.query(OperatorPageSQL.profile, [sid]).first else { return nil }
        let detail = ProfileDetail(row: try ProfileRow(row: row), accountSid: row["account_sid"], policySid: row["policy_sid"],
                                   email: row["email"], errors: row["errors"], created: try PageTime(row: row, "created"))
        let transitions = try connection.query(OperatorPageSQL.timeline, [sid, String(OperatorPageSQL.timelineLimit)])
            .map { row throws(PostgresDecodingError) in try TransitionRow(row: row) }
        guard !transitions.isEmpty else { return (detail, [], []) }
        var deliveries = try connection.query(OperatorPageSQL.deliveriesOfTransitions, [transitions.map(\.id).postgresText])
            .map { row throws(PostgresDecodingError) in try DeliveryRow(row: row) }
        try attachAttempts(&deliveries, on: connection)
        return (detail, transitions, deliveries)
    }

    func rejections(on connection: PostgresConnection) throws -> (latest: [RejectionRow], recent: [RecentRejection]) {
        let latest = try connection.query(OperatorPageSQL.rejections, [String(OperatorPageSQL.pageSize)]).map { row throws(PostgresDecodingError) in
            RejectionRow(transition: try TransitionRow(row: row), friendlyName: row["friendly_name"],
                         kind: row["kind"].flatMap(ResourceKind.init(rawValue:)), errors: row["errors"])
        }
        let recent = try connection.query(OperatorPageSQL.recentRejections, [String(OperatorPageSQL.rejectionCountLimit)])
            .map { row throws(PostgresDecodingError) in
                RecentRejection(failureReason: row["failure_reason"], errors: row["errors"], epoch: try row.decode("at_epoch", as: Int64.self))
            }
        return (latest, recent)
    }

    /// The verdicts of the week from `start` (epoch seconds), at most ``OperatorPageSQL/verdictLimit``.
    func reviewTimes(weekStarting start: Int64, on connection: PostgresConnection) throws -> [ReviewSample] {
        let parameters = [String(start), String(start + 7 * 86_400), String(OperatorPageSQL.verdictLimit)]
        return try connection.query(OperatorPageSQL.reviewTimes, parameters).map { row throws(PostgresDecodingError) in
            ReviewSample(verdict: try row.decode("to_status", as: String.self), epoch: try row.decode("at_epoch", as: Int64.self),
                         seconds: try row.decode("seconds", as: Int64.self))
        }
    }

    func deliveries(sinks: [String], on connection: PostgresConnection) throws -> (dead: [DeliveryRow], retrying: [DeliveryRow]) {
        let limit = String(OperatorPageSQL.deliveryListLimit + 1)
        let dead = try connection.query(OperatorPageSQL.dead, [limit]).map { row throws(PostgresDecodingError) in try DeliveryRow(row: row) }
        let retrying = try connection.query(OperatorPageSQL.retrying, [sinks.postgresText, limit]).map { row throws(PostgresDecodingError) in try DeliveryRow(row: row) }
        return (dead, retrying)
    }

    private func attachAttempts(_ deliveries: inout [DeliveryRow], on connection: PostgresConnection) throws {
        guard !deliveries.isEmpty else { return }
        var attempts: [Int64: [DeliveryRecord.Attempt]] = [:]
        for row in try connection.query(OperatorPageSQL.attempts, [deliveries.map(\.id).postgresText]) {
            attempts[try row.decode("delivery_id", as: Int64.self), default: []].append(try DeliveryRecord.Attempt(row: row))
        }
        for index in deliveries.indices {
            deliveries[index].attempts = attempts[deliveries[index].id] ?? []
        }
    }
}
