import PostgresClient

/// Runs ``HistorySQL`` on a connection and reads the rows into records.
struct HistoryStore: Sendable {
    /// The resource `sid`, when it is served as `kind`.
    func profile(sid: String, kind: ResourceKind, on connection: PostgresConnection) throws -> ProfileRecord? {
        try connection.query(HistorySQL.profile(kind: kind), [sid]).first.map { row throws(PostgresDecodingError) in try ProfileRecord(row: row) }
    }

    func transition(id: Int64, on connection: PostgresConnection) throws -> TransitionRecord? {
        try connection.query(HistorySQL.transition, [String(id)]).first.map { row throws(PostgresDecodingError) in
            try TransitionRecord(row: row)
        }
    }

    /// Up to `pageSize + 1` resources served as `kind` from the query's cursor, in the cursor's
    /// direction (``KeysetWindow``).
    func profiles(_ query: HistoryListQuery, kind: ResourceKind, on connection: PostgresConnection) throws -> [ProfileRecord] {
        try run(HistorySQL.profiles(for: query, kind: kind), on: connection).map { row throws(PostgresDecodingError) in try ProfileRecord(row: row) }
    }

    /// Up to `pageSize + 1` transitions (of resource `sid` served as `kind`, or all) from the query's cursor.
    func transitions(_ query: HistoryListQuery, sid: String?, kind: ResourceKind? = nil,
                     on connection: PostgresConnection) throws -> [TransitionRecord] {
        try run(HistorySQL.transitions(for: query, sid: sid, kind: kind), on: connection).map { row throws(PostgresDecodingError) in
            try TransitionRecord(row: row)
        }
    }

    /// Up to `pageSize + 1` deliveries from the query's cursor, each with its attempts.
    func deliveries(_ query: HistoryListQuery, on connection: PostgresConnection) throws -> [DeliveryRecord] {
        let rows = try run(HistorySQL.deliveries(for: query), on: connection)
        var deliveries = try rows.map { row throws(PostgresDecodingError) in try DeliveryRecord(row: row) }
        guard !deliveries.isEmpty else { return [] }
        var attempts: [Int64: [DeliveryRecord.Attempt]] = [:]
        for row in try run(HistorySQL.attempts(ofDeliveries: deliveries.map(\.id)), on: connection) {
            attempts[try row.decode("delivery_id", as: Int64.self), default: []].append(try DeliveryRecord.Attempt(row: row))
        }
        for index in deliveries.indices {
            deliveries[index].attempts = attempts[deliveries[index].id] ?? []
        }
        return deliveries
    }

    private func run(_ statement: HistorySQL.Statement, on connection: PostgresConnection) throws -> PostgresRows {
        try connection.query(statement.sql, statement.parameters)
    }
}
