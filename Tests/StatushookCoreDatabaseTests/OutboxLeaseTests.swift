import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Outbox: leases and wake-ups")
struct OutboxLeaseTests {
    @Test("a lease that ran out is swept back to pending, recorded as abandoned, and claimable again")
    func sweep() throws {
        try OutboxFixture.with { fixture in
            let listener = try fixture.database.connect()
            defer { listener.close() }
            try listener.listen(OutboxStore.channel)
            let ids = try fixture.addTransition(sinks: ["log", "hook"])
            _ = try fixture.claim(["log"], owner: "crashed", lease: .seconds(30))
            _ = try fixture.claim(["hook"], owner: "alive", lease: .seconds(600))
            #expect(try fixture.store.sweepExpiredLeases(giveUpAfter: 7, on: fixture.connection) == 0)
            try fixture.advance(seconds: 31)
            #expect(try fixture.store.sweepExpiredLeases(giveUpAfter: 7, on: fixture.connection) == 1)
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == [OutboxStore.channel])

            let row = try fixture.row(ids[0])
            #expect(row.state == "pending" && row.attempts == 1 && row.leaseOwner == nil && row.lastError == "lease expired")
            #expect(try fixture.row(ids[1]).state == "delivering")
            let attempts = try fixture.store.attempts(ofDelivery: ids[0], on: fixture.connection)
            #expect(attempts.map(\.outcome) == ["abandoned"])
            #expect(attempts.map(\.detail) == ["lease expired"])
            #expect(attempts.map(\.worker) == ["crashed"])
            #expect(attempts.map(\.durationMilliseconds) == [0])
            let again = try #require(try fixture.claim(["log"], owner: "restarted").first)
            #expect(again.id == ids[0] && again.attempt == 2)
        }
    }

    @Test("a delivery abandoned on its last allowed attempt is dead, so one that kills workers ends")
    func sweepGivesUp() throws {
        try OutboxFixture.with { fixture in
            let id = try fixture.addTransition(sinks: ["log"])[0]
            _ = try fixture.connection.query("UPDATE deliveries SET attempts = 2 WHERE id = $1::bigint", [String(id)])
            _ = try fixture.claim(["log"], lease: .seconds(1))
            try fixture.advance(seconds: 2)
            #expect(try fixture.store.sweepExpiredLeases(giveUpAfter: 3, on: fixture.connection) == 1)
            let row = try fixture.row(id)
            #expect(row.state == "dead" && row.finished && row.lastError == "gave up after 3 attempts: lease expired")
        }
    }

    @Test("releasing on shutdown puts this owner's unattempted claims back, attempt count restored, nothing recorded")
    func release() throws {
        try OutboxFixture.with { fixture in
            let ids = try fixture.addTransition(sinks: ["log", "mail", "hook"])
            _ = try fixture.claim(["log", "mail"], owner: "leaving")
            _ = try fixture.claim(["hook"], owner: "staying")
            let listener = try fixture.database.connect()
            defer { listener.close() }
            try listener.listen(OutboxStore.channel)
            #expect(try fixture.store.releaseLeases(owner: "leaving", on: fixture.connection) == 2)
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).count == 1)
            for id in ids.prefix(2) {
                let row = try fixture.row(id)
                #expect(row.state == "pending" && row.attempts == 0 && row.leaseOwner == nil && row.lastError == nil)
                #expect(try fixture.store.attempts(ofDelivery: id, on: fixture.connection).isEmpty)
            }
            #expect(try fixture.row(ids[2]).leaseOwner == "staying")
            #expect(try fixture.store.releaseLeases(owner: "leaving", on: fixture.connection) == 0)
            // Still due where they were: the next claim takes them at once, as first attempts.
            #expect(try fixture.claim(["log", "mail"], owner: "other").map(\.attempt) == [1, 1])
        }
    }

    @Test("the wake-up time: nil with nothing pending, the wait for the next due one, zero when overdue")
    func nextDue() throws {
        try OutboxFixture.with { fixture in
            let store = fixture.store
            #expect(try store.nextDue(sinks: ["log"], on: fixture.connection) == nil)
            try fixture.addTransition(sinks: ["log"], dueIn: 120)
            try fixture.addTransition(sinks: ["log"], dueIn: 60)
            let wait = try #require(try store.nextDue(sinks: ["log"], on: fixture.connection))
            #expect(wait > .seconds(58) && wait <= .seconds(60))
            try fixture.addTransition(sinks: ["hook"], dueIn: -5)
            #expect(try store.nextDue(sinks: ["log"], on: fixture.connection)! > .seconds(58))
            #expect(try store.nextDue(sinks: ["log", "hook"], on: fixture.connection) == .zero)
        }
    }

    @Test("the wake-up time ignores paused sinks and counts the next lease to expire")
    func nextDuePausedAndLeases() throws {
        try OutboxFixture.with { fixture in
            let store = fixture.store
            try fixture.addTransition(sinks: ["hook"], dueIn: -5)
            try store.pause(sink: "hook", reason: "gone", on: fixture.connection)
            #expect(try store.nextDue(sinks: ["hook"], on: fixture.connection) == nil)
            try fixture.addTransition(sinks: ["log"], dueIn: -5)
            _ = try fixture.claim(["log"], lease: .seconds(45))
            let wait = try #require(try store.nextDue(sinks: ["hook", "log"], on: fixture.connection))
            #expect(wait > .seconds(43) && wait <= .seconds(45))
        }
    }
}
