import Foundation
import PostgresClient
@testable import StatushookCore
import Testing

/// `statushook_record_callbacks(...)` (0006_ingest_batch.sql) against 0001's one-by-one function:
/// the same batches, through each, on two fresh databases, must give the same outcomes and rows.
@Suite("0006: statushook_record_callbacks")
struct MigrationRecordCallbacksTests {
    private static func sid(_ n: Int) -> String { "BU" + String(repeating: String(n % 10), count: 32) }

    private static func record(_ key: String, sid n: Int, _ status: String, known: Bool = true, sinks: [String] = ["log", "hook"],
                               failure: String? = nil, token: Bool = true, kind: ResourceKind? = nil) -> CallbackRecord {
        let sid = Self.sid(n)
        let params = #"{"CustomerProfileSid":"\#(sid)","Status":"\#(status)","Note":"a \"quoted\" \\ value, with a comma"}"#
        return CallbackRecord(
            idempotencyKey: (token ? "t:" : "h:") + key, idempotencyToken: token ? key : nil, requestID: "req-" + key,
            content: CallbackContent(sid: sid, kind: kind, status: status, accountSid: n == 3 ? nil : "AC0123456789abcdef0123456789abcdef",
                                     failureReason: failure, isKnownStatus: known, paramsJSON: params, canonicalParams: []),
            rawBody: "CustomerProfileSid=\(sid)&Status=\(status)&Note=a+%22quoted%22+%5C", path: "/callbacks/twilio",
            rawQuery: "tenant=acme", contentType: "application/x-www-form-urlencoded", peer: "127.0.0.1",
            receivedAt: "2024-05-01T12:00:0\(key.count % 10).123456Z", sinks: sinks)
    }

    /// Batches in the order the writer sends them (SID order within a batch, as it sorts them).
    private static let batches: [[CallbackRecord]] = [
        [record("a", sid: 1, "draft", kind: .customerProfile), record("b", sid: 2, "pending-review", sinks: []),
         record("c", sid: 3, "in-review", failure: "x")],
        // Transitions from existing profiles, an unchanged status (whose name tells an unknown kind), an unexpected
        // pair (whose name does not replace a known kind), an unknown status, a duplicate.
        [record("d", sid: 1, "pending-review", kind: .trustProduct), record("e", sid: 2, "pending-review", kind: .trustProduct),
         record("f", sid: 3, "draft", kind: .customerProfile), record("a", sid: 4, "draft"),
         record("g", sid: 5, "surprise-status", known: false, kind: .trustProduct)],
        // The same SID twice and a repeated key in one batch: the one-by-one path inside the function.
        [record("h", sid: 1, "in-review"), record("i", sid: 1, "twilio-approved"), record("j", sid: 6, "draft", token: false),
         record("j", sid: 6, "draft", token: false)],
        [record("k", sid: 7, "draft", sinks: ["log"])],
        // Only an unchanged callback, then only a moved profile: since 0012 each UPDATE runs only
        // when its kind of callback is in the batch, so each must still do its work alone.
        [record("l", sid: 6, "draft", kind: .customerProfile)],
        [record("m", sid: 7, "pending-review", kind: .trustProduct)],
    ]

    private struct Outcome: Equatable { var result: String; var hasTransition: Bool }

    private static func batchOutcomes(_ batch: [CallbackRecord], on connection: PostgresConnection) throws -> [Outcome] {
        let rows = try connection.query(CallbackBatch.sql, CallbackBatch.parameters(batch))
        #expect(rows.map { $0["ord"] } == (1...batch.count).map { String($0) })
        return rows.map { Outcome(result: $0["result"]!, hasTransition: $0["transition_id"] != nil) }
    }

    private static func singleOutcomes(_ batch: [CallbackRecord], on connection: PostgresConnection) throws -> [Outcome] {
        try batch.map { record in
            let rows = try connection.query(CallbackRecord.sql, record.parameters)
            return Outcome(result: rows[0, "result"]!, hasTransition: rows[0, "transition_id"] != nil)
        }
    }

    /// Every row the callbacks wrote, without the generated ids.
    private static func snapshot(_ connection: PostgresConnection) throws -> [[[String?]]] {
        try [
            "SELECT idempotency_key, idempotency_token, request_id, sid, account_sid, status, failure_reason, params::text, raw_body, path, raw_query, content_type, peer, received_at::text, result FROM callbacks ORDER BY id",
            "SELECT sid, account_sid, status, kind, date_created::text, date_updated::text FROM profiles ORDER BY sid",
            "SELECT t.sid, t.account_sid, t.from_status, t.to_status, t.failure_reason, t.unexpected::text, t.source, c.idempotency_key, t.occurred_at::text FROM transitions t LEFT JOIN callbacks c ON c.id = t.callback_id ORDER BY t.id",
            "SELECT t.sid, t.to_status, d.sink, d.state, d.next_attempt_at::text FROM deliveries d JOIN transitions t ON t.id = d.transition_id ORDER BY d.id",
        ].map { try connection.query($0).rows }
    }

    @Test("batches give the outcomes and rows of one-by-one calls: new, moved, unchanged, unexpected, duplicate, repeated SID")
    func sameAsOneByOne() throws {
        try MigrationTestDatabase.with { batchDatabase in
            try MigrationTestDatabase.with { singleDatabase in
                let batched = try batchDatabase.connect()
                let single = try singleDatabase.connect()
                _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: batched)
                _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: single)
                var results: [String] = []
                for batch in Self.batches {
                    let fromBatch = try Self.batchOutcomes(batch, on: batched)
                    let fromSingle = try Self.singleOutcomes(batch, on: single)
                    #expect(fromBatch == fromSingle)
                    results += fromBatch.map(\.result)
                }
                // The scenarios above do reach every outcome.
                #expect(Set(results) == ["recorded", "unchanged", "duplicate"])
                #expect(try Self.snapshot(batched) == Self.snapshot(single))
                #expect(try batched.query("SELECT count(*) AS n FROM transitions WHERE unexpected")[0, "n"] != "0")
                // A parameter name fills an unknown kind (moved or unchanged) and never replaces a known one.
                // (SID 4's only callback is a duplicate: it has no profile.)
                let kinds = try batched.query("SELECT sid, kind FROM profiles ORDER BY sid").rows
                #expect(kinds.map { $0[1] } == ["customer_profile", "trust_product", "customer_profile", "trust_product",
                                                 "customer_profile", "trust_product"], "\(kinds)")
                #expect(try batched.query("SELECT status FROM profiles WHERE sid = $1", [Self.sid(7)])[0, "status"] == "pending-review")
            }
        }
    }

    @Test("a batch with deliveries sends no NOTIFY (since 0012 the writer wakes its own dispatcher once the batch commits)")
    func doesNotNotify() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            let listener = try database.connect()
            try listener.listen("statushook_deliveries")
            try connection.prepare("batch", CallbackBatch.sql)
            let rows = try connection.pipelinedTransaction(prepared: "batch", [CallbackBatch.parameters(Self.batches[0])])
            #expect(rows.count == 1 && rows[0].count == 3)
            #expect(try connection.query("SELECT count(*) AS n FROM deliveries")[0, "n"] != "0")
            // A NOTIFY is delivered at its commit, which the pipeline above waited for.
            #expect(try listener.waitForNotifications(timeout: .milliseconds(500)).isEmpty)
            // The same listener does hear one (the wait above could hear a NOTIFY).
            try connection.notify("statushook_deliveries")
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == ["statushook_deliveries"])
        }
    }

    @Test("a failing statement in a pipeline leaves the connection usable, in a failed transaction")
    func pipelineFailure() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            try connection.prepare("fail", "SELECT 1 / $1::int AS x")
            #expect(throws: PostgresError.self) {
                try connection.pipelinedTransaction(prepared: "fail", [["1"], ["0"], ["2"]])
            }
            #expect(connection.isInTransaction)
            try connection.execute("ROLLBACK")
            let rows = try connection.pipelinedTransaction(prepared: "fail", [["1"], ["2"]])
            #expect(rows.map { $0[0, "x"] } == ["1", "0"])
            #expect(!connection.isInTransaction)
        }
    }
}
