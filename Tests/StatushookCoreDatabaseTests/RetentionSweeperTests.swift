import Foundation
import Logging
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Retention: deleting history older than retention_days")
struct RetentionSweeperTests {
    static let sid = "BU0123456789abcdef0123456789abcdef"

    /// Seven callbacks, each with its transition: five three days old, two 23 hours old. Of the
    /// old transitions, three were delivered, one is dead, and one still waits for sink
    /// `retired` (its delivered sibling may go, it may not). Two old notices: one delivered,
    /// one waiting. Every recent transition was delivered.
    static func seed(_ connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO profiles (sid, status, date_created, date_updated)
            VALUES ('\(sid)', 'in-review', now() - interval '3 days', now());
            INSERT INTO callbacks (idempotency_key, request_id, sid, status, params, raw_body, path, raw_query,
                                   content_type, peer, received_at, result)
            SELECT 'k' || g, 'r' || g, '\(sid)', 'draft', '{}', '', '/cb', '', 'application/json', '127.0.0.1',
                   CASE WHEN g <= 5 THEN now() - interval '3 days' + g * interval '1 second'
                        ELSE now() - interval '23 hours' END, 'recorded'
              FROM generate_series(1, 7) g;
            INSERT INTO transitions (sid, to_status, unexpected, callback_id, occurred_at)
            SELECT sid, 'draft', false, id, received_at FROM callbacks ORDER BY id;
            INSERT INTO deliveries (transition_id, sink, state, created_at, finished_at)
            SELECT id, 'ops', CASE WHEN rank = 4 THEN 'dead' ELSE 'delivered' END, occurred_at, occurred_at
              FROM (SELECT id, occurred_at, row_number() OVER (ORDER BY id) AS rank FROM transitions) t;
            INSERT INTO deliveries (transition_id, sink, state, created_at)
            SELECT id, 'retired', 'pending', occurred_at FROM transitions ORDER BY id OFFSET 4 LIMIT 1;
            INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, duration_ms, outcome, detail)
            SELECT id, 1, 'w', created_at, 5, 'delivered', 'ok' FROM deliveries WHERE state = 'delivered';
            INSERT INTO sink_notices (kind, sink, reason, occurred_at)
            VALUES ('sink_paused', 'hook', 'gone', now() - interval '2 days'),
                   ('sink_paused', 'mail', 'gone', now() - interval '2 days');
            INSERT INTO deliveries (notice_id, sink, state, created_at)
            SELECT id, 'ops', CASE WHEN sink = 'hook' THEN 'delivered' ELSE 'pending' END, occurred_at FROM sink_notices;
            """)
    }

    static func count(_ table: String, _ connection: PostgresConnection, where condition: String = "true") throws -> Int {
        Int(try connection.query("SELECT count(*) AS n FROM \(table) WHERE \(condition)")[0, "n"] ?? "") ?? -1
    }

    static func sweeper(batchSize: Int, metrics: StatushookMetrics = StatushookMetrics()) -> RetentionSweeper {
        var settings = RetentionSweeper.Settings()
        settings.batchSize = batchSize
        settings.pause = .zero
        return RetentionSweeper(database: PostgresEndpoint(""), days: 1, settings: settings, metrics: metrics, logger: Logger(label: "test"))
    }

    @Test("deletes exactly what is older than the window, in batches, and keeps what a delivery still waits for")
    func sweep() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            defer { connection.close() }
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try Self.seed(connection)
            let metrics = StatushookMetrics()

            let report = try Self.sweeper(batchSize: 2, metrics: metrics).runOnce(days: 1, on: connection)
            #expect(report.callbacks == 5 && report.transitions == 4 && report.notices == 1)
            // Four finished deliveries of old transitions, the waiting one's sibling, the delivered notice.
            #expect(report.deliveries == 6 && report.kept == 2)
            // Transitions 2+2+1 scanned, notices 2 then 0, callbacks 2+2+1.
            #expect(report.batches == 8)

            #expect(try Self.count("callbacks", connection) == 2)
            #expect(try Self.count("callbacks", connection, where: "received_at < now() - interval '1 day'") == 0)
            #expect(try Self.count("transitions", connection) == 3)
            let kept = try connection.query("SELECT callback_id, occurred_at < now() - interval '1 day' AS old FROM transitions WHERE id = 5")
            #expect(kept.count == 1 && kept[0, "callback_id"] == nil && kept[0, "old"] == "t")
            #expect(try Self.count("deliveries", connection, where: "state IN ('delivered', 'dead')") == 2)
            #expect(try Self.count("deliveries", connection, where: "state = 'pending'") == 2)
            #expect(try Self.count("delivery_attempts", connection) == 2)
            // Attempts go with their deliveries (no foreign key to cascade since migration 0011).
            #expect(try Self.count("delivery_attempts a", connection,
                                   where: "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)") == 0)
            #expect(try Self.count("sink_notices", connection) == 1)
            #expect(try Self.count("profiles", connection) == 1)
            // No delivery outlives its transition or notice, and no transition names a deleted
            // callback (there are no foreign keys to cascade).
            #expect(try Self.count("deliveries d", connection, where: """
                d.transition_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM transitions t WHERE t.id = d.transition_id)
                """) == 0)
            #expect(try Self.count("deliveries d", connection, where: """
                d.notice_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sink_notices n WHERE n.id = d.notice_id)
                """) == 0)
            #expect(try Self.count("transitions t", connection, where: """
                t.callback_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM callbacks c WHERE c.id = t.callback_id)
                """) == 0)
            let page = metrics.exposition()
            #expect(page.contains("\nstatushook_retention_deleted_total{table=\"callbacks\"} 5\n"))
            #expect(page.contains("\nstatushook_retention_deleted_total{table=\"deliveries\"} 6\n"))

            let again = try Self.sweeper(batchSize: 1000).runOnce(days: 1, on: connection)
            #expect(again.deleted == 0 && again.kept == 2 && again.batches == 3)
        }
    }

    @Test("a window longer than the history deletes nothing")
    func nothingOld() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            defer { connection.close() }
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try Self.seed(connection)
            let report = try Self.sweeper(batchSize: 1000).runOnce(days: 4, on: connection)
            #expect(report.deleted == 0 && report.kept == 0)
            #expect(try Self.count("callbacks", connection) == 7)
            #expect(try Self.count("deliveries", connection) == 10)
        }
    }

    @Test("the interval and batch size come from two environment variables; bad values are named and ignored")
    func settingsFromEnvironment() {
        let defaults = RetentionSweeper.Settings.from(environment: [:])
        #expect(defaults.settings == RetentionSweeper.Settings() && defaults.problems.isEmpty)
        #expect(defaults.settings.interval == .seconds(300) && defaults.settings.firstDelay == .seconds(30))

        let quick = RetentionSweeper.Settings.from(environment: [
            "STATUSHOOK_RETENTION_INTERVAL": "1s", "STATUSHOOK_RETENTION_BATCH_SIZE": "100"])
        #expect(quick.settings.interval == .seconds(1) && quick.settings.firstDelay == .seconds(1))
        #expect(quick.settings.batchSize == 100 && quick.problems.isEmpty)

        let slow = RetentionSweeper.Settings.from(environment: ["STATUSHOOK_RETENTION_INTERVAL": "1h"])
        #expect(slow.settings.interval == .seconds(3600) && slow.settings.firstDelay == .seconds(30))

        let bad = RetentionSweeper.Settings.from(environment: [
            "STATUSHOOK_RETENTION_INTERVAL": "soon", "STATUSHOOK_RETENTION_BATCH_SIZE": "0"])
        #expect(bad.settings == RetentionSweeper.Settings())
        #expect(bad.problems.count == 2 && bad.problems[0].contains("STATUSHOOK_RETENTION_INTERVAL=soon"))
    }
}
