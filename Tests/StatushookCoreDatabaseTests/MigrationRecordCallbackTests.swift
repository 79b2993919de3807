import Foundation
import PostgresClient
import StatushookCore
import Testing

/// `statushook_record_callback(...)`, defined by 0001_initial.sql, on a freshly migrated database.
@Suite("0001: statushook_record_callback")
struct MigrationRecordCallbackTests {
    private static let sid = "BU0123456789abcdef0123456789abcdef"

    /// The function's arguments, with dull defaults.
    private struct Call {
        var key: String
        var sid = MigrationRecordCallbackTests.sid
        var status: String
        var knownStatus = true
        var sinks: [String] = []
        var failureReason: String?
        var receivedAt = "2024-05-01T12:00:00Z"

        var parameters: [String?] {
            ["t:" + key, key, "req-" + key, sid, "AC0123456789abcdef0123456789abcdef", status, failureReason,
             #"{"Status": "\#(status)"}"#, "Status=\(status)", "/callbacks/twilio", "", "application/x-www-form-urlencoded",
             "127.0.0.1", receivedAt, knownStatus ? "true" : "false",
             "{" + sinks.map { "\"\($0)\"" }.joined(separator: ",") + "}"]
        }
    }

    private struct Outcome: Equatable {
        var result: String
        var transitionID: String?
        var callbackID: String?
    }

    private static let sql = """
        SELECT result, transition_id, callback_id
          FROM statushook_record_callback($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13,
                                          $14::timestamptz, $15::boolean, $16::text[])
        """

    private static func record(_ call: Call, on connection: PostgresConnection) throws -> Outcome {
        let rows = try connection.query(Self.sql, call.parameters)
        return Outcome(result: rows[0, "result"]!, transitionID: rows[0, "transition_id"], callbackID: rows[0, "callback_id"])
    }

    private func count(_ table: String, on connection: PostgresConnection) throws -> Int {
        // Table names come from this file only.
        Int(try connection.query("SELECT count(*) AS n FROM \(table)")[0, "n"]!)!
    }

    private func migrated(_ body: (PostgresConnection, MigrationTestDatabase) throws -> Void) throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try body(connection, database)
        }
    }

    @Test("a first callback is recorded with a transition from nothing and a delivery per sink, and wakes the dispatcher")
    func firstCallback() throws {
        try migrated { connection, database in
            let listener = try database.connect()
            try listener.listen("statushook_deliveries")
            let outcome = try Self.record(Call(key: "a", status: "draft", sinks: ["log", "mail"]), on: connection)
            #expect(outcome.result == "recorded")
            let transitionID = try #require(outcome.transitionID)
            #expect(outcome.callbackID != nil)

            let transition = try connection.query(
                "SELECT sid, from_status, to_status, unexpected, callback_id, source FROM transitions WHERE id = $1", [transitionID])
            #expect(transition.rows == [[Self.sid, nil, "draft", "f", outcome.callbackID, "callback"]])
            let deliveries = try connection.query(
                "SELECT sink, state FROM deliveries WHERE transition_id = $1 ORDER BY sink", [transitionID])
            #expect(deliveries.rows == [["log", "pending"], ["mail", "pending"]])
            #expect(try connection.query("SELECT status FROM profiles WHERE sid = $1", [Self.sid])[0, "status"] == "draft")
            #expect(try connection.query("SELECT result FROM callbacks")[0, "result"] == "recorded")
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == ["statushook_deliveries"])
        }
    }

    @Test("a repeat of the same idempotency key is a duplicate and creates nothing")
    func duplicate() throws {
        try migrated { connection, _ in
            _ = try Self.record(Call(key: "a", status: "draft", sinks: ["log"]), on: connection)
            let outcome = try Self.record(Call(key: "a", status: "draft", sinks: ["log"]), on: connection)
            #expect(outcome == Outcome(result: "duplicate", transitionID: nil, callbackID: nil))
            // Even with another status: the key decides.
            #expect(try Self.record(Call(key: "a", status: "in-review", sinks: ["log"]), on: connection).result == "duplicate")
            #expect(try count("callbacks", on: connection) == 1)
            #expect(try count("transitions", on: connection) == 1)
            #expect(try count("deliveries", on: connection) == 1)
            #expect(try connection.query("SELECT status FROM profiles")[0, "status"] == "draft")
        }
    }

    @Test("the current status again under a new key is recorded as unchanged, with no transition or delivery")
    func unchanged() throws {
        try migrated { connection, _ in
            _ = try Self.record(Call(key: "a", status: "draft", sinks: ["log"]), on: connection)
            let outcome = try Self.record(Call(key: "b", status: "draft", sinks: ["log"]), on: connection)
            #expect(outcome.result == "unchanged")
            #expect(outcome.transitionID == nil)
            let callbackID = try #require(outcome.callbackID)
            #expect(try connection.query("SELECT result FROM callbacks WHERE id = $1", [callbackID])[0, "result"] == "unchanged")
            #expect(try count("callbacks", on: connection) == 2)
            #expect(try count("transitions", on: connection) == 1)
            #expect(try count("deliveries", on: connection) == 1)
        }
    }

    @Test("expected changes (a verdict straight from pending-review too) are not flagged; an unexpected pair is, and still delivered")
    func unexpectedPair() throws {
        try migrated { connection, _ in
            _ = try Self.record(Call(key: "a", status: "draft"), on: connection)
            let expected = try Self.record(Call(key: "b", status: "pending-review", sinks: ["log"]), on: connection)
            let verdict = try Self.record(Call(key: "c", status: "twilio-approved", sinks: ["log"]), on: connection)
            let unexpected = try Self.record(Call(key: "d", status: "in-review", sinks: ["log"]), on: connection)
            let rows = try connection.query(
                "SELECT id, from_status, to_status, unexpected FROM transitions ORDER BY id").rows
            #expect(rows.map { Array($0.dropFirst()) } == [
                [nil, "draft", "f"],
                ["draft", "pending-review", "f"],
                ["pending-review", "twilio-approved", "f"],
                ["twilio-approved", "in-review", "t"],
            ])
            #expect(rows[1][0] == expected.transitionID && rows[2][0] == verdict.transitionID && rows[3][0] == unexpected.transitionID)
            #expect(try count("deliveries", on: connection) == 3)
            #expect(try connection.query("SELECT status FROM profiles")[0, "status"] == "in-review")
        }
    }

    @Test("draft → twilio-approved straight away is flagged unexpected")
    func draftToApproved() throws {
        try migrated { connection, _ in
            _ = try Self.record(Call(key: "a", status: "draft"), on: connection)
            let outcome = try Self.record(Call(key: "b", status: "twilio-approved"), on: connection)
            let transitionID = try #require(outcome.transitionID)
            #expect(try connection.query("SELECT unexpected FROM transitions WHERE id = $1", [transitionID])[0, "unexpected"] == "t")
        }
    }

    @Test("a status outside the documented set is flagged, even at first sight")
    func unknownStatus() throws {
        try migrated { connection, _ in
            let first = try Self.record(Call(key: "a", status: "twilio-suspended", knownStatus: false), on: connection)
            #expect(first.result == "recorded")
            #expect(try connection.query("SELECT unexpected FROM transitions WHERE id = $1", [first.transitionID])[0, "unexpected"] == "t")
            let back = try Self.record(Call(key: "b", status: "draft"), on: connection)
            #expect(try connection.query("SELECT from_status, unexpected FROM transitions WHERE id = $1", [back.transitionID]).rows
                    == [["twilio-suspended", "t"]])
        }
    }

    @Test("with no sinks a transition gets no delivery")
    func noSinks() throws {
        try migrated { connection, _ in
            let outcome = try Self.record(Call(key: "a", status: "draft", sinks: []), on: connection)
            #expect(outcome.result == "recorded")
            #expect(try count("deliveries", on: connection) == 0)
        }
    }

    @Test("two first callbacks for one new SID at once: the second waits and records the first's status as its from")
    func concurrentFirstSight() throws {
        try migrated { connection, database in
            try connection.execute("BEGIN")
            _ = try Self.record(Call(key: "a", status: "draft"), on: connection)
            let waiter = try database.connect()
            let waiterPID = String(waiter.backendPID)
            let second: [Result<Outcome, any Error>] = migrationTestsOnThreads([
                { Result { try Self.record(Call(key: "b", status: "pending-review"), on: waiter) } },
                {
                    // Commit the first only once the second is blocked on the new profile row.
                    Result {
                        let observer = try database.connect()
                        while try observer.query(
                            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1::int", [waiterPID])[0, "wait_event_type"] != "Lock" {
                            Thread.sleep(forTimeInterval: 0.01)
                        }
                        try connection.execute("COMMIT")
                        return Outcome(result: "committed")
                    }
                },
            ])
            let outcome = try second[0].get()
            #expect(try second[1].get().result == "committed")
            #expect(outcome.result == "recorded")
            let rows = try connection.query("SELECT from_status, to_status, unexpected FROM transitions ORDER BY id").rows
            #expect(rows == [[nil, "draft", "f"], ["draft", "pending-review", "f"]])
            #expect(try connection.query("SELECT status FROM profiles")[0, "status"] == "pending-review")
        }
    }
}
