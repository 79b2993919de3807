import Foundation
import Locking
import Logging
import PostgresClient
@testable import StatushookCore
import Testing

/// The ingest writer wakes its process's dispatcher through an ``OutboxDoorbell`` (the batch
/// itself no longer notifies): after a commit that queued deliveries, and only then.
@Suite("Ingest: the writer rings the outbox doorbell")
struct IngestDoorbellTests {
    private final class Listener: Sendable {}

    private static func record(_ key: String, sid digit: Int, _ status: String, sinks: [String]) -> CallbackRecord {
        let sid = "BU" + String(repeating: String(digit), count: 32)
        return CallbackRecord(
            idempotencyKey: "t:" + key, idempotencyToken: key, requestID: "req-" + key,
            content: CallbackContent(sid: sid, kind: nil, status: status, accountSid: "AC0123456789abcdef0123456789abcdef",
                                     failureReason: nil, isKnownStatus: true,
                                     paramsJSON: #"{"CustomerProfileSid":"\#(sid)","Status":"\#(status)"}"#, canonicalParams: []),
            rawBody: "CustomerProfileSid=\(sid)&Status=\(status)", path: "/callbacks/twilio", rawQuery: "",
            contentType: "application/x-www-form-urlencoded", peer: "127.0.0.1",
            receivedAt: "2024-05-01T12:00:00.000000Z", sinks: sinks)
    }

    /// Submits `record` and waits for its answer (the writer rings before it answers).
    private static func submit(_ record: CallbackRecord, to writer: IngestWriter) -> IngestOutcome {
        let outcome = Locked<IngestOutcome?>(nil)
        let answered = DispatchSemaphore(value: 0)
        writer.submit(record) { result in
            outcome.withLock { $0 = result }
            answered.signal()
        }
        _ = answered.wait(timeout: .now() + 10)
        return outcome.withLock { $0 } ?? .unavailable("no answer within 10 s")
    }

    @Test("a commit that queued deliveries rings; a duplicate, an unchanged status, a callback without sinks do not")
    func ringsForDeliveriesOnly() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            defer { connection.close() }
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            let doorbell = OutboxDoorbell()
            let rings = Locked(0)
            let listener = Listener()
            doorbell.listen(listener) { rings.withLock { $0 += 1 } }
            let writer = IngestWriter(database: database.endpoint, lanes: 1, readiness: Readiness(), doorbell: doorbell,
                                      logger: Logger(label: "test"))
            writer.start(failure: ServiceFailure { _ in })
            defer { _ = writer.stop(deadline: .now + .seconds(10)) }
            let ringsSoFar = { rings.withLock { $0 } }

            guard case .recorded = Self.submit(Self.record("a", sid: 1, "draft", sinks: ["log", "hook"]), to: writer) else {
                Issue.record("the first callback was not recorded")
                return
            }
            #expect(ringsSoFar() == 1)
            #expect(try connection.query("SELECT count(*) AS n FROM deliveries")[0, "n"] == "2")

            #expect(Self.submit(Self.record("a", sid: 1, "draft", sinks: ["log", "hook"]), to: writer) == .duplicate)
            #expect(Self.submit(Self.record("b", sid: 1, "draft", sinks: ["log", "hook"]), to: writer) == .unchanged)
            guard case .recorded = Self.submit(Self.record("c", sid: 2, "draft", sinks: []), to: writer) else {
                Issue.record("the callback without sinks was not recorded")
                return
            }
            #expect(ringsSoFar() == 1)

            guard case .recorded = Self.submit(Self.record("d", sid: 2, "pending-review", sinks: ["log"]), to: writer) else {
                Issue.record("the moved profile's callback was not recorded")
                return
            }
            #expect(ringsSoFar() == 2)

            // A dispatcher that stopped listening (replaced by a reload) is not woken any more.
            doorbell.stopListening(listener)
            _ = Self.submit(Self.record("e", sid: 2, "in-review", sinks: ["log"]), to: writer)
            #expect(ringsSoFar() == 2)
            #expect(try connection.query("SELECT count(*) AS n FROM deliveries")[0, "n"] == "4")
        }
    }
}
