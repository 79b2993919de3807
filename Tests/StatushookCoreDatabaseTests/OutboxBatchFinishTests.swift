import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Outbox: settling a batch of attempts at once")
struct OutboxBatchFinishTests {
    /// The record a dispatcher would make of `claim` coming to `outcome`.
    static func record(_ claim: ClaimedDelivery, _ outcome: AttemptOutcome, second: Int = 1) -> AttemptRecord {
        AttemptRecord(claim: claim, outcome: outcome,
                      decision: DeliveryRules.decide(attemptNumber: claim.attempt, outcome: outcome,
                                                     schedule: RetrySchedule(), random: 0.5),
                      startedAt: "2024-05-01T12:00:0\(second).25Z", duration: .milliseconds(7))
    }

    @Test("the batch finish is planned at each run, never prepared: a generic plan made while the table was small would scan it whole")
    func plannedEachRun() throws {
        try OutboxFixture.with { fixture in
            try fixture.store.prepareStatements(on: fixture.connection)
            let prepared = try fixture.connection.query("SELECT name FROM pg_prepared_statements ORDER BY name").rows.map { $0[0] ?? "" }
            #expect(prepared == ["statushook_outbox_claim"])
            // Many batches on a small table, then a big one: each finish still goes by primary key.
            for _ in 0..<8 {
                _ = try fixture.addTransition(sinks: ["hook"])
                let claims = try fixture.store.claim(owner: "worker-a", sinks: ["hook"], limit: 10, lease: .seconds(300),
                                                     prepared: true, on: fixture.connection)
                let finishes = try fixture.store.finish(claims.map { Self.record($0, .delivered(detail: "HTTP 204")) },
                                                        worker: "worker-a", prepared: true, on: fixture.connection)
                #expect(finishes.count == 1 && finishes.allSatisfy { $0.applied })
            }
            #expect(try fixture.connection.query("SELECT count(*) AS n FROM deliveries WHERE state = 'delivered'")[0, "n"] == "8")
        }
    }

    @Test("a batch finds each delivery by its primary key, never by walking every live lease")
    func byPrimaryKey() throws {
        try OutboxFixture.with { fixture in
            try fixture.addMany(20_000, sinks: ["hook"])
            // Statistics taken while nothing was leased, as autovacuum mostly finds the table.
            try fixture.connection.execute("ANALYZE")
            var claims: [ClaimedDelivery] = []
            for worker in 0..<9 {
                claims += try fixture.claim(["hook"], limit: 64, owner: "worker-\(worker)")
            }
            let batch = claims.filter { $0.owner == "worker-0" }.map { Self.record($0, .delivered(detail: "HTTP 204")) }
            #expect(batch.count == 64 && claims.count == 576)
            let parameters = OutboxStore.finishParameters(batch, worker: "worker-0", healthySinks: ["hook"])
            for mode in ["force_custom_plan", "force_generic_plan"] {
                try fixture.connection.execute("SET plan_cache_mode = \(mode)")
                let plan = try fixture.connection.query("EXPLAIN " + OutboxSQL.finishBatch, parameters).rows
                    .map { $0[0] ?? "" }.joined(separator: "\n")
                #expect(plan.contains("deliveries_pkey") && !plan.contains("deliveries_leases"), "\(mode):\n\(plan)")
            }
            try fixture.connection.execute("RESET plan_cache_mode")
            let finishes = try fixture.store.finish(batch, worker: "worker-0", on: fixture.connection)
            #expect(finishes.allSatisfy { $0.applied })
        }
    }

    @Test("a batch settles each delivery and records each attempt in order, prepared or not")
    func batch() throws {
        for prepared in [false, true] {
            try OutboxFixture.with { fixture in
                if prepared { try fixture.store.prepareStatements(on: fixture.connection) }
                let ids = try fixture.addTransition(sinks: ["hook", "log", "mail"])
                let claims = try fixture.store.claim(owner: "worker-a", sinks: ["hook", "log", "mail"], limit: 10,
                                                     lease: .seconds(300), prepared: prepared, on: fixture.connection)
                #expect(claims.map(\.id) == ids)
                let records = [
                    Self.record(claims[0], .delivered(detail: "HTTP 204"), second: 1),
                    Self.record(claims[1], .delivered(detail: "written \"quoted\", with \\ and {braces}"), second: 2),
                    Self.record(claims[2], .transient(detail: "421 busy", retryAfter: nil), second: 3),
                ]
                let finishes = try fixture.store.finish(records, worker: "worker-a", prepared: prepared,
                                                        on: fixture.connection)
                #expect(finishes == [DeliveryFinish(applied: true), DeliveryFinish(applied: true), DeliveryFinish(applied: true)])
                #expect(try fixture.row(ids[0]).state == "delivered")
                #expect(try fixture.row(ids[1]).state == "delivered")
                #expect(try fixture.row(ids[2]) == OutboxFixture.Row(
                    state: "pending", attempts: 1, lastError: "421 busy", leaseOwner: nil, finished: false, dueInSeconds: 5))
                #expect(try fixture.store.attempts(ofDelivery: ids[1], on: fixture.connection) == [
                    DeliveryAttempt(attempt: 1, worker: "worker-a", startedAt: "2024-05-01T12:00:02.250000Z",
                                    durationMilliseconds: 7, outcome: "delivered",
                                    detail: "written \"quoted\", with \\ and {braces}"),
                ])
                let order = try fixture.connection.query("SELECT delivery_id FROM delivery_attempts ORDER BY id")
                    .map { Int64($0["delivery_id"]!)! }
                #expect(order == ids)
                let failures = try fixture.connection.query(
                    "SELECT consecutive_failures FROM sink_state WHERE sink = 'mail'")[0, "consecutive_failures"]
                #expect(failures == "1")
            }
        }
    }

    @Test("in a batch, a sink's failures and successes count in order; a pause queues the notices once")
    func healthInOrder() throws {
        try OutboxFixture.with(pauseAfter: 2) { fixture in
            try fixture.addMany(4, sinks: ["hook"])
            let claims = try fixture.claim(["hook"], limit: 4)
            #expect(claims.count == 4)
            let finishes = try fixture.store.finish([
                Self.record(claims[0], .transient(detail: "HTTP 502", retryAfter: nil)),
                Self.record(claims[1], .delivered(detail: "HTTP 204")),
                Self.record(claims[2], .transient(detail: "HTTP 502", retryAfter: nil)),
                Self.record(claims[3], .transient(detail: "HTTP 503", retryAfter: nil)),
            ], worker: "worker-a", noticeRecipients: ["hook", "log"], on: fixture.connection)
            #expect(finishes.map(\.pausedSink) == [false, false, false, true])
            #expect(finishes[3].noticeDeliveries == 1)
            let state = try fixture.connection.query("SELECT paused, consecutive_failures FROM sink_state WHERE sink = 'hook'")[0]
            #expect(state["paused"] == "t" && state["consecutive_failures"] == "2")
        }
    }

    @Test("a batch after the lease was lost records every attempt but applies none of them")
    func leaseLost() throws {
        try OutboxFixture.with { fixture in
            let ids = try fixture.addTransition(sinks: ["hook", "log"])
            let claims = try fixture.claim(["hook", "log"], lease: .milliseconds(1))
            Thread.sleep(forTimeInterval: 0.01)
            #expect(try fixture.store.sweepExpiredLeases(giveUpAfter: 7, on: fixture.connection) == 2)
            let finishes = try fixture.store.finish(claims.map { Self.record($0, .delivered(detail: "HTTP 204")) },
                                                    worker: "worker-a", on: fixture.connection)
            #expect(finishes.map(\.applied) == [false, false])
            for id in ids {
                #expect(try fixture.row(id).state == "pending")
                let last = try #require(try fixture.store.attempts(ofDelivery: id, on: fixture.connection).last)
                #expect(last.detail == "HTTP 204 (the lease had run out: result not applied)")
            }
        }
    }

    @Test("claims given back unattempted are due again with their attempt count taken back, others' untouched")
    func releaseClaims() throws {
        try OutboxFixture.with { fixture in
            let ids = try fixture.addTransition(sinks: ["hook", "log", "mail"])
            let claims = try fixture.claim(["hook", "log", "mail"])
            #expect(try fixture.store.releaseClaims([claims[0].id, claims[2].id], owner: "someone-else",
                                                    on: fixture.connection) == 0)
            #expect(try fixture.store.releaseClaims([claims[0].id, claims[2].id], owner: "worker-a",
                                                    on: fixture.connection) == 2)
            #expect(try fixture.row(ids[0]) == OutboxFixture.Row(
                state: "pending", attempts: 0, lastError: nil, leaseOwner: nil, finished: false, dueInSeconds: -1))
            #expect(try fixture.row(ids[1]).state == "delivering")
            #expect(try fixture.store.attempts(ofDelivery: ids[0], on: fixture.connection).isEmpty)
            #expect(try fixture.claim(["hook", "log", "mail"]).map(\.id) == [ids[0], ids[2]])
        }
    }
}
