import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Outbox: claiming due deliveries")
struct OutboxClaimTests {
    @Test("the oldest due come first, ties by id, at most the limit; later ones wait their turn")
    func orderAndLimit() throws {
        try OutboxFixture.with { fixture in
            let late = try fixture.addTransition(sinks: ["log"], dueIn: -10)[0]
            let early = try fixture.addTransition(sinks: ["log", "mail"], dueIn: -60)
            let middle = try fixture.addTransition(sinks: ["mail"], dueIn: -30)[0]
            let first = try fixture.claim(["log", "mail"], limit: 3)
            #expect(first.map(\.id) == [early[0], early[1], middle])
            #expect(try fixture.claim(["log", "mail"], limit: 3).map(\.id) == [late])
            #expect(try fixture.claim(["log", "mail"]).isEmpty)
        }
    }

    @Test("a delivery not yet due, or of a sink not asked for, is not claimed")
    func notDueOrOtherSink() throws {
        try OutboxFixture.with { fixture in
            let future = try fixture.addTransition(sinks: ["log"], dueIn: 60)[0]
            try fixture.addTransition(sinks: ["hook"])
            #expect(try fixture.claim(["log"]).isEmpty)
            #expect(try fixture.claim([]).isEmpty)
            #expect(try fixture.claim(["log"], limit: 0).isEmpty)
            try fixture.advance(seconds: 61)
            #expect(try fixture.claim(["log"]).map(\.id) == [future])
        }
    }

    @Test("a claim leases the delivery to its owner, counts the attempt, and carries the event every sink renders")
    func claimedShape() throws {
        try OutboxFixture.with { fixture in
            let id = try fixture.addTransition(sinks: ["hook"], failureReason: "18601: bad address")[0]
            _ = try fixture.connection.query(
                "INSERT INTO profiles (sid, status, friendly_name, date_created, date_updated) VALUES ($1, 'draft', 'Acme Ltd', now(), now())",
                [OutboxFixture.sid])
            let claimed = try #require(try fixture.claim(["hook"], owner: "host:1:w0").first)
            let transitionID = try fixture.connection.query("SELECT transition_id FROM deliveries WHERE id = $1::bigint", [String(id)])[0, "transition_id"]!
            #expect(claimed == ClaimedDelivery(
                id: id, sink: "hook", attempt: 1, owner: "host:1:w0",
                payload: .transition(TransitionEvent(
                    deliveryID: id, transitionID: Int64(transitionID)!, sid: OutboxFixture.sid,
                    accountSid: "AC0123456789abcdef0123456789abcdef", from: "draft", to: "pending-review",
                    failureReason: "18601: bad address", unexpected: false,
                    occurredAt: "2024-05-01T12:00:00.123456Z", friendlyName: "Acme Ltd"))))
            let row = try fixture.row(id)
            #expect(row.state == "delivering" && row.attempts == 1 && row.leaseOwner == "host:1:w0")
            let lease = try fixture.connection.query(
                "SELECT round(extract(epoch FROM lease_expires_at - now())) AS s FROM deliveries WHERE id = $1::bigint", [String(id)])
            #expect(lease[0, "s"] == "300")
        }
    }

    @Test("what ingest records is claimable at once, one delivery per matching sink, unexpected flag included")
    func fromIngest() throws {
        try OutboxFixture.with { fixture in
            _ = try fixture.connection.query("""
                SELECT statushook_record_callback('t:1', '1', 'req-1', $1, NULL, 'twilio-approved', NULL, '{}'::jsonb,
                    '', '/callbacks/twilio', '', 'application/x-www-form-urlencoded', '127.0.0.1', now(),
                    true, '{log,hook}'::text[])
                """, [OutboxFixture.sid])
            _ = try fixture.connection.query("""
                SELECT statushook_record_callback('t:2', '2', 'req-2', $1, NULL, 'in-review', NULL, '{}'::jsonb,
                    '', '/callbacks/twilio', '', 'application/x-www-form-urlencoded', '127.0.0.1', now(),
                    true, '{hook}'::text[])
                """, [OutboxFixture.sid])
            let claimed = try fixture.claim(["log", "hook"])
            #expect(claimed.map(\.sink) == ["log", "hook", "hook"])
            let events = claimed.compactMap { claim -> TransitionEvent? in
                if case .transition(let event) = claim.payload { return event }
                return nil
            }
            #expect(events.map(\.to) == ["twilio-approved", "twilio-approved", "in-review"])
            #expect(events.map(\.from) == [nil, nil, "twilio-approved"])
            #expect(events.map(\.unexpected) == [false, false, true])
            #expect(events.map(\.deliveryID) == claimed.map(\.id))
            #expect(events[0].transitionID == events[1].transitionID)
            #expect(events.allSatisfy { $0.accountSid == nil && $0.friendlyName == nil })
        }
    }

    @Test("a paused sink's deliveries are not claimed; the others' still are; resuming brings them back")
    func pausedSinkSkipped() throws {
        try OutboxFixture.with { fixture in
            let ids = try fixture.addTransition(sinks: ["log", "mail"])
            #expect(try fixture.store.pause(sink: "mail", reason: "by hand", on: fixture.connection))
            #expect(try fixture.claim(["log", "mail"]).map(\.id) == [ids[0]])
            #expect(try fixture.claim(["log", "mail"]).isEmpty)
            #expect(try fixture.store.resume(sink: "mail", on: fixture.connection))
            #expect(try fixture.claim(["log", "mail"]).map(\.id) == [ids[1]])
        }
    }

    @Test("two connections claiming at once never get the same delivery, round after round")
    func skipLocked() throws {
        try OutboxFixture.with { fixture in
            try fixture.addMany(600, sinks: ["log", "mail", "hook"])
            let database = fixture.database
            let claimers: [@Sendable () -> Result<[Int64], Error>] = (0..<2).map { index in
                {
                    Result {
                        let connection = try database.connect()
                        defer { connection.close() }
                        let store = OutboxStore()
                        var mine: [Int64] = []
                        while true {
                            let batch = try store.claim(owner: "worker-\(index)", sinks: ["log", "mail", "hook"],
                                                        limit: 7, lease: .seconds(60), on: connection)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
            }
            let results = try migrationTestsOnThreads(claimers).map { try $0.get() }
            #expect(Set(results[0]).isDisjoint(with: results[1]))
            #expect(results[0].count + results[1].count == 1800)
            #expect(Set(results[0] + results[1]).count == 1800)
            // Both took part: SKIP LOCKED let them work side by side.
            #expect(!results[0].isEmpty && !results[1].isEmpty)
            let owners = try fixture.connection.query(
                "SELECT count(*) AS n FROM deliveries WHERE state = 'delivering' AND attempts = 1")
            #expect(owners[0, "n"] == "1800")
        }
    }

    @Test("a delivery whose transition or notice was deleted by hand is never handed out, and its lease ends it as abandoned")
    func orphanedDelivery() throws {
        try OutboxFixture.with { fixture in
            let orphan = try fixture.addTransition(sinks: ["log"])[0]
            let kept = try fixture.addTransition(sinks: ["log"], sid: "BU" + String(repeating: "f", count: 32))[0]
            try fixture.connection.execute("DELETE FROM transitions WHERE id = (SELECT transition_id FROM deliveries WHERE id = \(orphan))")
            let noticeOrphan = try fixture.connection.query("""
                WITH notice AS (INSERT INTO sink_notices (kind, sink, reason) VALUES ('sink_paused', 'hook', 'gone') RETURNING id)
                INSERT INTO deliveries (notice_id, sink) SELECT id, 'log' FROM notice RETURNING id
                """)[0, "id"]!
            let keptNotice = try fixture.connection.query("""
                WITH notice AS (INSERT INTO sink_notices (kind, sink, reason) VALUES ('sink_paused', 'mail', 'gone') RETURNING id)
                INSERT INTO deliveries (notice_id, sink) SELECT id, 'log' FROM notice RETURNING id
                """)[0, "id"]!
            try fixture.connection.execute("DELETE FROM sink_notices WHERE sink = 'hook'")
            let claimed = try fixture.claim(["log"], lease: .milliseconds(1))
            #expect(claimed.map(\.id).sorted() == [kept, Int64(keptNotice)!].sorted())
            #expect(try fixture.row(orphan).state == "delivering")
            #expect(try fixture.row(Int64(noticeOrphan)!).state == "delivering")
            Thread.sleep(forTimeInterval: 0.01)
            #expect(try fixture.store.sweepExpiredLeases(giveUpAfter: 1, on: fixture.connection) == 4)
            #expect(try fixture.row(orphan).state == "dead")
            #expect(try fixture.row(Int64(noticeOrphan)!).state == "dead")
        }
    }

    @Test("on 100k deliveries the claim and the wake-up time read indexes, never a scan of deliveries")
    func usesIndexes() throws {
        try OutboxFixture.with { fixture in
            try fixture.addMany(50_000, sinks: ["log", "mail"])
            // History is mostly finished; a paused sink has a large backlog ahead of everyone.
            try fixture.connection.execute("""
                UPDATE deliveries SET state = CASE WHEN id % 50 = 0 THEN 'pending' WHEN id % 977 = 0 THEN 'dead' ELSE 'delivered' END
                 WHERE sink = 'log';
                ANALYZE
                """)
            try fixture.store.pause(sink: "mail", reason: "backlog", on: fixture.connection)
            let explain: (String, [String?]) throws -> String = { sql, parameters in
                try fixture.connection.query("EXPLAIN " + sql, parameters).rows.map { $0[0] ?? "" }.joined(separator: "\n")
            }
            let claimPlan = try explain(OutboxSQL.claim, ["w", #"{"log","mail"}"#, "10", "300000000"])
            #expect(!claimPlan.contains("Seq Scan on deliveries"), "\(claimPlan)")
            #expect(claimPlan.contains("deliveries_pending_sink"), "\(claimPlan)")
            let duePlan = try explain(OutboxSQL.nextDue, [#"{"log","mail"}"#])
            #expect(!duePlan.contains("Seq Scan on deliveries"), "\(duePlan)")
            #expect(try fixture.claim(["log", "mail"], limit: 10).count == 10)
        }
    }
}
