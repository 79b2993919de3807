import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Outbox: settling an attempt")
struct OutboxFinishTests {
    @Test("a delivered attempt finishes the delivery and is recorded with its worker, start and duration")
    func delivered() throws {
        try OutboxFixture.with { fixture in
            let id = try fixture.addTransition(sinks: ["log"])[0]
            let claim = try fixture.claim(["log"])[0]
            let result = try fixture.finish(claim, .delivered(detail: "written"), duration: .microseconds(1_499_600))
            #expect(result == DeliveryFinish(applied: true))
            let row = try fixture.row(id)
            #expect(row.state == "delivered" && row.finished && row.leaseOwner == nil && row.lastError == nil)
            #expect(try fixture.store.attempts(ofDelivery: id, on: fixture.connection) == [
                DeliveryAttempt(attempt: 1, worker: "worker-a", startedAt: "2024-05-01T12:00:01.500000Z",
                                durationMilliseconds: 1500, outcome: "delivered", detail: "written"),
            ])
            #expect(try fixture.claim(["log"]).isEmpty)
        }
    }

    @Test("a transient failure goes back to pending, due after the schedule's delay, and is not claimable before")
    func retry() throws {
        try OutboxFixture.with { fixture in
            let id = try fixture.addTransition(sinks: ["hook"])[0]
            let claim = try fixture.claim(["hook"])[0]
            let result = try fixture.finish(claim, .transient(detail: "HTTP 503", retryAfter: nil))
            #expect(result.applied)
            #expect(try fixture.row(id) == OutboxFixture.Row(
                state: "pending", attempts: 1, lastError: "HTTP 503", leaseOwner: nil, finished: false, dueInSeconds: 5))
            #expect(try fixture.claim(["hook"]).isEmpty)
            try fixture.advance(seconds: 5)
            let second = try #require(try fixture.claim(["hook"]).first)
            #expect(second.id == id && second.attempt == 2)
            try fixture.finish(second, .transient(detail: "HTTP 429", retryAfter: .seconds(90)))
            #expect(try fixture.row(id).dueInSeconds == 90)
        }
    }

    @Test("a permanent failure is dead at once; a transient one on the last attempt is dead with the count")
    func dead() throws {
        try OutboxFixture.with { fixture in
            let ids = try fixture.addTransition(sinks: ["mail", "hook"])
            // Six attempts behind it: the next is the seventh and last of the default schedule.
            _ = try fixture.connection.query("UPDATE deliveries SET attempts = 6 WHERE id = $1::bigint", [String(ids[1])])
            let claims = try fixture.claim(["mail", "hook"])
            #expect(claims.map(\.attempt) == [1, 7])
            try fixture.finish(claims[0], .permanent(detail: "550 no such user"))
            let permanent = try fixture.row(ids[0])
            #expect(permanent.state == "dead" && permanent.finished && permanent.leaseOwner == nil)
            #expect(permanent.attempts == 1 && permanent.lastError == "550 no such user")
            try fixture.finish(claims[1], .transient(detail: "timeout", retryAfter: .seconds(5)))
            let exhausted = try fixture.row(ids[1])
            #expect(exhausted.state == "dead" && exhausted.finished && exhausted.leaseOwner == nil)
            #expect(exhausted.attempts == 7 && exhausted.lastError == "gave up after 7 attempts: timeout")
            try fixture.advance(seconds: 86400)
            #expect(try fixture.claim(["mail", "hook"]).isEmpty)
        }
    }

    @Test("a finish after the lease was lost is recorded but leaves the new holder's result alone")
    func lostLease() throws {
        try OutboxFixture.with { fixture in
            let id = try fixture.addTransition(sinks: ["hook"])[0]
            let slow = try fixture.claim(["hook"], owner: "slow")[0]
            try fixture.advance(seconds: 301)
            #expect(try fixture.store.sweepExpiredLeases(giveUpAfter: 7, on: fixture.connection) == 1)
            let fast = try fixture.claim(["hook"], owner: "fast")[0]
            #expect(fast.attempt == 2)

            let late = try fixture.finish(slow, .permanent(detail: "HTTP 400"))
            #expect(!late.applied)
            #expect(try fixture.row(id).state == "delivering")
            #expect(try fixture.finish(fast, .delivered(detail: "HTTP 200")).applied)
            #expect(try fixture.row(id).state == "delivered")
            // The late one after the sweep, even once the delivery was pending again, would not apply either.
            #expect(!(try fixture.finish(fast, .transient(detail: "again", retryAfter: nil)).applied))
            #expect(try fixture.row(id).state == "delivered")

            let attempts = try fixture.store.attempts(ofDelivery: id, on: fixture.connection)
            #expect(attempts.map(\.outcome) == ["abandoned", "permanent", "delivered", "transient"])
            #expect(attempts.map(\.worker) == ["slow", "slow", "fast", "fast"])
            #expect(attempts[1].detail == "HTTP 400 (the lease had run out: result not applied)")
        }
    }

    @Test("a sink is paused on its Nth failure in a row and the other active sinks get a notice of it")
    func pauseAfterFailures() throws {
        try OutboxFixture.with { fixture in
            for _ in 0..<4 { try fixture.addTransition(sinks: ["hook"]) }
            try fixture.store.pause(sink: "pager", reason: "by hand", on: fixture.connection)
            let claims = try fixture.claim(["hook"])
            #expect(claims.count == 4)
            let results = try claims.map {
                try fixture.finish($0, .transient(detail: "HTTP 502", retryAfter: nil), noticeTo: ["log", "hook", "mail", "pager"])
            }
            // The fourth, in flight when the sink paused, does not announce the pause again.
            #expect(results.map(\.pausedSink) == [false, false, true, false])
            #expect(results[3].noticeDeliveries == 0)
            #expect(results[2].pauseReason == "3 failures in a row, the last: HTTP 502")
            #expect(results[2].noticeDeliveries == 2)
            let state = try #require(try fixture.sinkState("hook"))
            #expect(state.paused && state.failures == 4 && state.reason == "3 failures in a row, the last: HTTP 502")
            #expect(try fixture.store.pausedSinks(on: fixture.connection).map(\.sink) == ["hook", "pager"])

            // The notice reaches log and mail (not hook itself, not the paused pager), as its own event.
            let notices = try fixture.claim(["log", "mail", "hook", "pager"])
            #expect(notices.map(\.sink) == ["log", "mail"])
            guard case .notice(let notice) = notices[0].payload else {
                Issue.record("expected a notice, got \(notices[0].payload)")
                return
            }
            #expect(notice.sink == "hook" && notice.reason == "3 failures in a row, the last: HTTP 502")
            #expect(notice.json.text.hasPrefix(#"{"type":"statushook.sink_paused","id":"NO"#))
            // Its own deliveries wait, due or not, until the operator resumes it.
            try fixture.advance(seconds: 3600)
            #expect(try fixture.claim(["hook"]).isEmpty)
        }
    }

    @Test("Gone pauses the sink on the first failure; a success resets the run of failures")
    func goneAndReset() throws {
        try OutboxFixture.with { fixture in
            for _ in 0..<3 { try fixture.addTransition(sinks: ["log", "hook"]) }
            let claims = try fixture.claim(["hook"], limit: 3)
            try fixture.finish(claims[0], .transient(detail: "timeout", retryAfter: nil))
            try fixture.finish(claims[1], .permanent(detail: "HTTP 400"))
            #expect(try fixture.sinkState("hook")?.failures == 2)
            try fixture.finish(claims[2], .delivered(detail: "HTTP 200"))
            #expect(try fixture.sinkState("hook")?.failures == 0)
            #expect(try fixture.sinkState("log") == nil)

            try fixture.advance(seconds: 3600)
            let again = try fixture.claim(["hook"])[0]
            let gone = try fixture.finish(again, .gone(detail: "HTTP 410 Gone"), noticeTo: ["log", "hook"])
            #expect(gone.pauseReason == "the receiver is gone: HTTP 410 Gone")
            #expect(gone.noticeDeliveries == 1)
            #expect(try fixture.row(again.id).state == "dead")
            #expect(try fixture.sinkState("hook")?.paused == true)
        }
    }

    @Test("resuming a sink clears its run of failures and wakes the dispatchers")
    func resume() throws {
        try OutboxFixture.with { fixture in
            let listener = try fixture.database.connect()
            defer { listener.close() }
            try listener.listen(OutboxStore.channel)
            try fixture.store.pause(sink: "hook", reason: "x", on: fixture.connection)
            #expect(!(try fixture.store.pause(sink: "hook", reason: "y", on: fixture.connection)))
            #expect(try fixture.sinkState("hook")?.reason == "x")
            #expect(try fixture.store.resume(sink: "hook", on: fixture.connection))
            #expect(!(try fixture.store.resume(sink: "hook", on: fixture.connection)))
            #expect(!(try fixture.store.resume(sink: "never-seen", on: fixture.connection)))
            let state = try #require(try fixture.sinkState("hook"))
            #expect(!state.paused && state.failures == 0 && state.reason == nil)
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == [OutboxStore.channel])
        }
    }
}
