import PostgresClient

/// Runs ``HistorySQL`` on a connection and reads the rows into records.
struct HistoryStore: Sendable {
    /// The resource `sid`, when it is served as `kind`.
    func profile(sid: String, kind: ResourceKind, on connection: PostgresConnection) throws -> ProfileRecord? {
        try connection.query(HistorySQL.profile(kind: kind), [sid]).first.map { row throws(HistoryRowError) in try ProfileRecord(row: row) }
    }

    func transition(id: Int64, on connection: PostgresConnection) throws -> TransitionRecord? {
        try connection.query(HistorySQL.transition, [String(id)]).first.map { row throws(HistoryRowError) in
            try TransitionRecord(row: row)
        }
    }

    /// Up to `pageSize + 1` resources served as `kind` from the query's cursor, in the cursor's
    /// direction (``KeysetWindow``).
    func profiles(_ query: HistoryListQuery, kind: ResourceKind, on connection: PostgresConnection) throws -> [ProfileRecord] {
        try run(HistorySQL.profiles(for: query, kind: kind), on: connection).map { row throws(HistoryRowError) in try ProfileRecord(row: row) }
    }

    /// Up to `pageSize + 1` transitions (of resource `sid` served as `kind`, or all) from the query's cursor.
    func transitions(_ query: HistoryListQuery, sid: String?, kind: ResourceKind? = nil,
                     on connection: PostgresConnection) throws -> [TransitionRecord] {
        try run(HistorySQL.transitions(for: query, sid: sid, kind: kind), on: connection).map { row throws(HistoryRowError) in
            try TransitionRecord(row: row)
        }
    }

    /// Up to `pageSize + 1` deliveries from the query's cursor, each with its attempts.
    func deliveries(_ query: HistoryListQuery, on connection: PostgresConnection) throws -> [DeliveryRecord] {
        let rows = try run(HistorySQL.deliveries(for: query), on: connection)
        var deliveries = try rows.map { row throws(HistoryRowError) in try DeliveryRecord(row: row) }
        guard !deliveries.isEmpty else { return [] }
        var attempts: [Int64: [DeliveryRecord.Attempt]] = [:]
        for row in try run(HistorySQL.attempts(ofDeliveries: deliveries.map(\.id)), on: connection) {
            attempts[try row.historyInt64("delivery_id"), default: []].append(try DeliveryRecord.Attempt(row: row))
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

/// A row the history API's own SQL returned that it cannot read: a bug or a schema out of step.
struct HistoryRowError: Error, CustomStringConvertible {
    var column: String
    var value: String?

    var description: String {
        "the history query returned \(value.map { "\"\($0)\"" } ?? "NULL") for \(column)"
    }
}

extension PostgresRow {
    func historyText(_ column: String) throws(HistoryRowError) -> String {
        guard let value = self[column] else { throw HistoryRowError(column: column, value: nil) }
        return value
    }

    func historyInt64(_ column: String) throws(HistoryRowError) -> Int64 {
        guard let text = self[column], let value = Int64(text) else { throw HistoryRowError(column: column, value: self[column]) }
        return value
    }

    /// PostgreSQL's text form of a boolean: `t` or `f`.
    func historyBool(_ column: String) throws(HistoryRowError) -> Bool {
        switch self[column] {
        case "t": return true
        case "f": return false
        default: throw HistoryRowError(column: column, value: self[column])
        }
    }
}

