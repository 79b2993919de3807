import Foundation
import PostgresClient
@testable import StatushookCore

/// A freshly migrated database of its own, and helpers to fill and inspect its outbox.
struct OutboxFixture {
    static let sid = "BU0123456789abcdef0123456789abcdef"

    let database: MigrationTestDatabase
    let connection: PostgresConnection
    let store: OutboxStore

    /// Runs `body` on an empty database with every migration applied; fails when no server is configured.
    static func with(pauseAfter: Int = 3, _ body: (OutboxFixture) throws -> Void) throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            defer { connection.close() }
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try body(OutboxFixture(database: database, connection: connection, store: OutboxStore(sinkPauseAfter: pauseAfter)))
        }
    }

    /// Records a transition with a pending delivery per sink, due `dueIn` seconds from now
    /// (negative: overdue); returns the delivery ids in the order of `sinks`.
    @discardableResult
    func addTransition(sinks: [String], dueIn seconds: Double = -1, sid: String = OutboxFixture.sid,
                       from: String? = "draft", to: String = "pending-review", failureReason: String? = nil) throws -> [Int64] {
        let transition = try connection.query("""
            INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason, unexpected, occurred_at)
            VALUES ($1, 'AC0123456789abcdef0123456789abcdef', $2, $3, $4, false, '2024-05-01T12:00:00.123456Z')
            RETURNING id
            """, [sid, from, to, failureReason])[0, "id"]!
        return try sinks.map { sink in
            Int64(try connection.query("""
                INSERT INTO deliveries (transition_id, sink, next_attempt_at)
                VALUES ($1::bigint, $2, now() + $3::double precision * interval '1 second') RETURNING id
                """, [transition, sink, String(seconds)])[0, "id"]!)!
        }
    }

    /// Deliveries in bulk, straight in SQL: `count` transitions for `sinks`, due over the past hour.
    func addMany(_ count: Int, sinks: [String]) throws {
        try connection.execute("""
            INSERT INTO transitions (sid, to_status, unexpected, occurred_at)
            SELECT '\(Self.sid)', 'in-review', false, now() - g * interval '1 second' FROM generate_series(1, \(count)) g;
            INSERT INTO deliveries (transition_id, sink, next_attempt_at)
            SELECT t.id, s.sink, t.occurred_at
              FROM transitions t, unnest('\(sinks.postgresText)'::text[]) AS s (sink)
             WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.transition_id = t.id);
            """)
    }

    func claim(_ sinks: [String], limit: Int = 10, owner: String = "worker-a", lease: Duration = .seconds(300)) throws -> [ClaimedDelivery] {
        try store.claim(owner: owner, sinks: sinks, limit: limit, lease: lease, on: connection)
    }

    /// Decides with the default schedule and settles, as a dispatcher would.
    @discardableResult
    func finish(_ claim: ClaimedDelivery, _ outcome: AttemptOutcome, duration: Duration = .milliseconds(42),
                noticeTo recipients: [String] = []) throws -> DeliveryFinish {
        let decision = DeliveryRules.decide(attemptNumber: claim.attempt, outcome: outcome, schedule: RetrySchedule(), random: 0.5)
        return try store.finish(claim, outcome: outcome, decision: decision, worker: claim.owner,
                                startedAt: "2024-05-01T12:00:01.5Z", duration: duration,
                                noticeRecipients: recipients, on: connection)
    }

    /// A delivery's row as the tests look at it.
    struct Row: Equatable {
        var state: String
        var attempts: Int
        var lastError: String?
        var leaseOwner: String?
        var finished: Bool
        /// Whole seconds until it is due (negative: overdue).
        var dueInSeconds: Int
    }

    func row(_ id: Int64) throws -> Row {
        let row = try connection.query("""
            SELECT state, attempts, last_error, lease_owner, finished_at IS NOT NULL AS finished,
                   round(extract(epoch FROM next_attempt_at - now()))::integer AS due_in
              FROM deliveries WHERE id = $1::bigint
            """, [String(id)])[0]
        return Row(state: row["state"]!, attempts: Int(row["attempts"]!)!, lastError: row["last_error"],
                   leaseOwner: row["lease_owner"], finished: row["finished"] == "t", dueInSeconds: Int(row["due_in"]!)!)
    }

    /// Lets time pass for the outbox: every due time and lease moves `seconds` into the past.
    func advance(seconds: Int) throws {
        _ = try connection.query("""
            UPDATE deliveries SET next_attempt_at = next_attempt_at - $1::integer * interval '1 second',
                                  lease_expires_at = lease_expires_at - $1::integer * interval '1 second'
            """, [String(seconds)])
    }

    func sinkState(_ sink: String) throws -> (paused: Bool, failures: Int, reason: String?)? {
        let rows = try connection.query(
            "SELECT paused, consecutive_failures, paused_reason FROM sink_state WHERE sink = $1", [sink])
        guard let row = rows.first else { return nil }
        return (row["paused"] == "t", Int(row["consecutive_failures"]!)!, row["paused_reason"])
    }
}
