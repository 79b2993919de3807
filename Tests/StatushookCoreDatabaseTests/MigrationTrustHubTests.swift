import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

/// 0005_trusthub.sql through ``TrustHubStore``: what the reconciler records and what enrichment stores.
@Suite("0005: reconciled transitions and stored profiles")
struct MigrationTrustHubTests {
    private static let sid = "BU0123456789abcdef0123456789abcdef"
    private static let account = "AC0123456789abcdef0123456789abcdef"

    private func migrated(_ body: (PostgresConnection, MigrationTestDatabase) throws -> Void) throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try body(connection, database)
        }
    }

    private func profile(_ status: String, sid: String = sid) -> TrustHubResource {
        TrustHubResource(sid: sid, accountSid: Self.account, policySid: "RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                        friendlyName: "Acme Corp", status: status, email: "ops@acme.example",
                        statusCallback: "https://hooks.example.com/cb", validUntil: "2027-01-31T00:00:00Z",
                        dateCreated: "2019-07-30T22:29:24Z", dateUpdated: "2019-07-31T01:09:00Z",
                        errors: .array([.object([("code", .int(18601))])]))
    }

    @Test("a status never seen is a first sight with source reconcile, a delivery per sink, and a NOTIFY")
    func firstSight() throws {
        try migrated { connection, database in
            let listener = try database.connect()
            try listener.listen("statushook_deliveries")
            let id = try #require(try TrustHubStore.recordReconciled(profile("in-review"), sinks: ["log", "mail"], on: connection))
            let transition = try connection.query(
                "SELECT sid, account_sid, from_status, to_status, unexpected, source, callback_id FROM transitions WHERE id = $1", [String(id)])
            #expect(transition.rows == [[Self.sid, Self.account, nil, "in-review", "f", "reconcile", nil]])
            let deliveries = try connection.query("SELECT sink, state FROM deliveries WHERE transition_id = $1 ORDER BY sink", [String(id)])
            #expect(deliveries.rows == [["log", "pending"], ["mail", "pending"]])
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == ["statushook_deliveries"])
        }
    }

    @Test("a changed status is a transition from the known one; the same status again records nothing")
    func changeThenSame() throws {
        try migrated { connection, _ in
            _ = try TrustHubStore.recordReconciled(profile("in-review"), sinks: [], on: connection)
            let id = try #require(try TrustHubStore.recordReconciled(profile("twilio-approved"), sinks: ["log"], on: connection))
            #expect(try connection.query("SELECT from_status, to_status, unexpected FROM transitions WHERE id = $1", [String(id)]).rows
                    == [["in-review", "twilio-approved", "f"]])
            #expect(try TrustHubStore.recordReconciled(profile("twilio-approved"), sinks: ["log"], on: connection) == nil)
            #expect(try connection.query("SELECT count(*) AS n FROM transitions")[0, "n"] == "2")
            #expect(try TrustHubStore.statuses(sids: [Self.sid], on: connection) == [Self.sid: "twilio-approved"])
        }
    }

    @Test("an undocumented pair or status is flagged unexpected")
    func unexpected() throws {
        try migrated { connection, _ in
            _ = try TrustHubStore.recordReconciled(profile("draft"), sinks: [], on: connection)
            let skip = try #require(try TrustHubStore.recordReconciled(profile("twilio-approved"), sinks: [], on: connection))
            let odd = try #require(try TrustHubStore.recordReconciled(profile("on-hold"), sinks: [], on: connection))
            let rows = try connection.query("SELECT id, unexpected FROM transitions WHERE id IN ($1, $2) ORDER BY id", [String(skip), String(odd)])
            #expect(rows.rows == [[String(skip), "t"], [String(odd), "t"]])
        }
    }

    @Test("stored fields reach the event's profile; a later transition makes the profile stale again")
    func storeAndStale() throws {
        try migrated { connection, _ in
            _ = try TrustHubStore.recordReconciled(profile("in-review"), sinks: [], on: connection)
            #expect(try TrustHubStore.profiles(sids: [Self.sid], on: connection)[Self.sid]?.stale == true)
            #expect(try TrustHubStore.store([profile("in-review"), profile("draft", sid: "BU" + String(repeating: "f", count: 32))],
                                            on: connection) == 1)
            let stored = try #require(try TrustHubStore.profiles(sids: [Self.sid], on: connection)[Self.sid])
            #expect(stored.stale == false)
            #expect(stored.details == ProfileDetails(
                friendlyName: "Acme Corp", enriched: true, policySid: "RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                email: "ops@acme.example", statusCallback: "https://hooks.example.com/cb",
                validUntil: "2027-01-31T00:00:00.000000Z", errors: .array([.object([("code", .int(18601))])]),
                dateCreated: "2019-07-30T22:29:24.000000Z", dateUpdated: "2019-07-31T01:09:00.000000Z"))
            // Storing never changes the status: that is the transitions' business.
            #expect(try TrustHubStore.store([profile("twilio-approved")], on: connection) == 1)
            #expect(try TrustHubStore.statuses(sids: [Self.sid], on: connection) == [Self.sid: "in-review"])
            _ = try TrustHubStore.recordReconciled(profile("twilio-approved"), sinks: [], on: connection)
            #expect(try TrustHubStore.profiles(sids: [Self.sid], on: connection)[Self.sid]?.stale == true)
        }
    }

    @Test("one session at a time holds the reconciler's lock")
    func advisoryLock() throws {
        try migrated { connection, database in
            let other = try database.connect()
            #expect(try TrustHubStore.tryLockReconcile(on: connection))
            #expect(try !TrustHubStore.tryLockReconcile(on: other))
            try TrustHubStore.unlockReconcile(on: connection)
            #expect(try TrustHubStore.tryLockReconcile(on: other))
        }
    }
}
