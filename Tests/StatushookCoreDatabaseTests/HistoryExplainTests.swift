import PostgresClient
@testable import StatushookCore
import Testing

/// The plans of the history API's statements, exactly as the store binds them, on 100,000
/// transitions: every list reads an index from its cursor (keyset), never a whole table.
@Suite("History query plans", .serialized)
struct HistoryExplainTests {
    static let codec = PageTokenCodec(username: "reader", password: "secret")
    static let sid = "BU" + String(repeating: "0", count: 29) + "777"
    static let bigTables = ["profiles", "transitions", "deliveries", "delivery_attempts"]

    /// 20,000 profiles, 100,000 transitions, a delivery of each to one sink and of one in five to
    /// another (some dead, some pending), an attempt per delivery; then ANALYZE, as autovacuum would.
    static let load = """
        INSERT INTO profiles (sid, status, friendly_name, policy_sid, kind, date_created, date_updated)
        SELECT 'BU' || lpad(to_hex(g), 32, '0'), (ARRAY['draft','pending-review','in-review','twilio-approved','twilio-rejected'])[1 + g % 5],
               'profile ' || (g % 5000), 'RN' || lpad(to_hex(g % 9), 32, '0'),
               (ARRAY['customer_profile', 'trust_product', NULL])[1 + g % 3], now(), now()
          FROM generate_series(1, 20000) g;
        INSERT INTO transitions (sid, to_status, unexpected, source, occurred_at)
        SELECT 'BU' || lpad(to_hex(1 + g % 20000), 32, '0'),
               (ARRAY['draft','pending-review','in-review','twilio-approved','twilio-rejected'])[1 + g % 5],
               false, 'callback', timestamptz '2026-01-01T00:00:00Z' + g * interval '1 minute'
          FROM generate_series(1, 100000) g;
        INSERT INTO deliveries (transition_id, sink, state, attempts, created_at, next_attempt_at)
        SELECT id, s, CASE WHEN id % 97 = 0 THEN 'dead' WHEN id % 89 = 0 THEN 'pending' ELSE 'delivered' END, 1, occurred_at, occurred_at
          FROM transitions, unnest(ARRAY['everything', 'decisions']) s
         WHERE s = 'everything' OR id % 5 = 0;
        INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, duration_ms, outcome, detail)
        SELECT id, 1, 'w', created_at, 3, 'delivered', 'ok' FROM deliveries;
        ANALYZE;
        """

    static func query(_ text: String, _ list: HistoryList) throws -> HistoryListQuery {
        try HistoryListQuery.parse(text[...], list: list, codec: codec)
    }

    static func token(_ direction: PageToken.Direction, _ key: PageToken.Key) -> String {
        codec.encode(PageToken(direction: direction, key: key))
    }

    /// Each list's first page and a page from a cursor both ways, without and with each filter.
    static func statements() throws -> [(String, HistorySQL.Statement)] {
        let profileCursors = ["", "PageToken=" + token(.after, .profile(sid: sid)), "PageToken=" + token(.before, .profile(sid: sid))]
        let transitionKey = PageToken.Key.transition(occurredAt: "2026-02-01T00:00:00.000000Z", id: 44_640)
        let transitionCursors = ["", "PageToken=" + token(.after, transitionKey), "PageToken=" + token(.before, transitionKey)]
        let deliveryCursors = ["", "PageToken=" + token(.after, .delivery(id: 60_000)), "PageToken=" + token(.before, .delivery(id: 60_000))]
        var out: [(String, HistorySQL.Statement)] = []
        for cursor in profileCursors {
            for filter in ["", "Status=twilio-rejected", "FriendlyName=profile%2042", "PolicySid=RN" + String(repeating: "0", count: 31) + "3",
                           "Status=unknown&FriendlyName=profile%2042"] {
                let text = "PageSize=1000&\(filter)&\(cursor)"
                for kind in ResourceKind.allCases {
                    out.append(("\(kind.collection) " + text, HistorySQL.profiles(for: try query(text, .profiles), kind: kind)))
                }
            }
        }
        for cursor in transitionCursors {
            for filter in ["", "Status=twilio-approved", "Status=no-such-status", "DateCreatedAfter=2026-02-10",
                           "DateCreatedBefore=2026-01-05T00:00:00Z", "Status=draft&DateCreatedAfter=2026-02-01&DateCreatedBefore=2026-02-02"] {
                let text = "PageSize=50&\(filter)&\(cursor)"
                out.append(("transitions " + text, HistorySQL.transitions(for: try query(text, .transitions), sid: nil)))
                for kind in ResourceKind.allCases {
                    out.append(("\(kind.collection) transitions " + text,
                                HistorySQL.transitions(for: try query(text, .transitions), sid: sid, kind: kind)))
                }
            }
        }
        for cursor in deliveryCursors {
            for filter in ["", "State=dead", "State=pending", "State=delivered", "Sink=decisions", "Sid=\(sid)", "State=dead&Sink=decisions"] {
                let text = "PageSize=1000&\(filter)&\(cursor)"
                out.append(("deliveries " + text, HistorySQL.deliveries(for: try query(text, .deliveries))))
            }
        }
        out.append(("attempts", HistorySQL.attempts(ofDeliveries: Array(1...1001))))
        return out
    }

    @Test("no list query scans a whole table, on the first page or from a cursor, with or without filters")
    func noSequentialScans() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            defer { connection.close() }
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try connection.execute(Self.load)
            #expect(try connection.query("SELECT count(*) FROM transitions")[0, "count"] == "100000")

            for (name, statement) in try Self.statements() {
                let plan = try connection.query("EXPLAIN " + statement.sql, statement.parameters).rows
                    .compactMap { $0.first ?? nil }.joined(separator: "\n")
                let scanned = Self.bigTables.filter { plan.contains("Seq Scan on \($0)") }
                #expect(scanned.isEmpty, "\(name) scans \(scanned):\n\(plan)")
                #expect(plan.contains("Index"), "\(name) uses no index:\n\(plan)")
            }
        }
    }
}
