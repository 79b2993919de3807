import PostgresClient
@testable import StatushookCore
import Testing

/// The plans of the operator page's statements, exactly as the store binds them, on the history
/// tests' 100,000 transitions: each reads an index, never a whole table, the one exception named.
@Suite("Operator page query plans", .serialized)
struct OperatorPageExplainTests {
    static let sid = "BU" + String(repeating: "0", count: 29) + "777"
    static let bigTables = ["profiles", "transitions", "deliveries", "delivery_attempts"]

    static func statements() -> [(String, OperatorPageSQL.Statement)] {
        typealias S = OperatorPageSQL.Statement
        var out: [(String, S)] = []
        for kind in [nil] + ResourceKind.allCases.map(Optional.some) {
            for status in [nil, "twilio-rejected"] {
                for after in [nil, sid] {
                    out.append(("profiles \(kind?.rawValue ?? "any") \(status ?? "any") \(after ?? "")",
                                OperatorPageSQL.profiles(status: status, kind: kind, after: after)))
                }
                for search in ["BU000", "profile 42", "é"] {
                    out.append(("search \(search) \(kind?.rawValue ?? "any") \(status ?? "any")",
                                OperatorPageSQL.search(OperatorSearch(search), kind: kind, status: status)))
                }
            }
            for cursor in [nil, (since: "2026-01-10T00:00:00.000000Z", sid: sid)] {
                out.append(("waiting \(kind?.rawValue ?? "any") \(cursor?.since ?? "")", OperatorPageSQL.waiting(kind: kind, after: cursor)))
            }
        }
        out += [
            ("delivery counts", S(sql: OperatorPageSQL.deliveryCounts, parameters: [])),
            ("sink health", S(sql: OperatorPageSQL.sinkHealth, parameters: [["everything", "decisions"].postgresText])),
            ("profile", S(sql: OperatorPageSQL.profile, parameters: [sid])),
            ("timeline", S(sql: OperatorPageSQL.timeline, parameters: [sid, "200"])),
            ("deliveries of transitions", S(sql: OperatorPageSQL.deliveriesOfTransitions, parameters: [Array(Int64(1)...200).postgresText])),
            ("attempts", S(sql: OperatorPageSQL.attempts, parameters: [Array(Int64(1)...1000).postgresText])),
            ("rejections", S(sql: OperatorPageSQL.rejections, parameters: ["50"])),
            ("recent rejections", S(sql: OperatorPageSQL.recentRejections, parameters: ["5000"])),
            // 2026-01-05, a Monday: a week of the loaded transitions.
            ("review times", S(sql: OperatorPageSQL.reviewTimes, parameters: ["1767571200", "1768176000", "10000"])),
            ("dead", S(sql: OperatorPageSQL.dead, parameters: ["201"])),
            ("retrying", S(sql: OperatorPageSQL.retrying, parameters: [["everything", "decisions"].postgresText, "201"])),
        ]
        return out
    }

    @Test("no page's query scans a whole table but the status counts, which read every resource once")
    func noSequentialScans() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            defer { connection.close() }
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try connection.execute(HistoryExplainTests.load)
            try connection.execute("UPDATE deliveries SET attempts = 2 WHERE state = 'pending'; ANALYZE deliveries")

            for (name, statement) in Self.statements() {
                let plan = try connection.query("EXPLAIN " + statement.sql, statement.parameters).rows
                    .compactMap { $0.first ?? nil }.joined(separator: "\n")
                let scanned = Self.bigTables.filter { plan.contains("Seq Scan on \($0)") }
                #expect(scanned.isEmpty, "\(name) scans \(scanned):\n\(plan)")
                #expect(plan.contains("Index"), "\(name) uses no index:\n\(plan)")
            }
            // Every statement but the counts is bounded by a LIMIT.
            for (name, statement) in Self.statements() {
                #expect(statement.sql.contains("LIMIT"), "\(name) has no LIMIT")
            }
            #expect(OperatorPageSQL.statusCounts.contains("LIMIT") && OperatorPageSQL.deliveryCounts.contains("LIMIT"))
        }
    }
}
