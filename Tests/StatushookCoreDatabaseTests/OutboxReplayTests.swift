import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

@Suite("Outbox: replay and listing")
struct OutboxReplayTests {
    /// Three transitions to log and hook, each delivery claimed and finished: log delivered, hook dead.
    private func finishedDeliveries(_ fixture: OutboxFixture) throws -> (delivered: [Int64], dead: [Int64]) {
        var delivered: [Int64] = [], dead: [Int64] = []
        for index in 0..<3 {
            let ids = try fixture.addTransition(sinks: ["log", "hook"], dueIn: Double(-30 + index))
            delivered.append(ids[0])
            dead.append(ids[1])
        }
        for claim in try fixture.claim(["log", "hook"]) {
            try fixture.finish(claim, claim.sink == "log" ? .delivered(detail: "ok") : .permanent(detail: "HTTP 400"))
        }
        return (delivered, dead)
    }

    @Test("dead deliveries are re-queued by id, starting over with the whole schedule and waking the dispatchers")
    func byID() throws {
        try OutboxFixture.with(pauseAfter: 20) { fixture in
            let (delivered, dead) = try finishedDeliveries(fixture)
            let listener = try fixture.database.connect()
            defer { listener.close() }
            try listener.listen(OutboxStore.channel)
            // A delivered one named among them is left alone unless delivered ones are asked for.
            #expect(try fixture.store.replay(ids: [dead[0], dead[2], delivered[0]], on: fixture.connection) == 2)
            #expect(try listener.waitForNotifications(timeout: .seconds(5)).count == 1)
            let row = try fixture.row(dead[0])
            #expect(row.state == "pending" && row.attempts == 0 && !row.finished && row.lastError == "HTTP 400")
            #expect(try fixture.row(dead[1]).state == "dead")
            #expect(try fixture.row(delivered[0]).state == "delivered")
            let again = try fixture.claim(["hook"])
            #expect(again.map(\.id) == [dead[0], dead[2]])
            #expect(again.map(\.attempt) == [1, 1])
            // The earlier attempt stays on record.
            #expect(try fixture.store.attempts(ofDelivery: dead[0], on: fixture.connection).map(\.outcome) == ["permanent"])
        }
    }

    @Test("by sink, and delivered ones only when asked; pending or in-flight ones are never touched")
    func bySinkAndState() throws {
        try OutboxFixture.with(pauseAfter: 20) { fixture in
            let (delivered, dead) = try finishedDeliveries(fixture)
            let inFlight = try fixture.addTransition(sinks: ["log"])[0]
            _ = try fixture.claim(["log"])
            #expect(try fixture.store.replay(sink: "log", on: fixture.connection) == 0)
            #expect(try fixture.store.replay(sink: "log", states: [.delivered], on: fixture.connection) == 3)
            #expect(try delivered.map { try fixture.row($0).state } == ["pending", "pending", "pending"])
            #expect(try fixture.row(inFlight).state == "delivering")
            #expect(try dead.map { try fixture.row($0).state } == ["dead", "dead", "dead"])
            #expect(try fixture.store.replay(sink: "hook", states: [.dead, .delivered], on: fixture.connection) == 3)
            #expect(try fixture.store.replay(states: [], on: fixture.connection) == 0)
        }
    }

    @Test("by a time range of creation: from inclusive, to exclusive")
    func byTimeRange() throws {
        try OutboxFixture.with(pauseAfter: 20) { fixture in
            let (_, dead) = try finishedDeliveries(fixture)
            _ = try fixture.connection.query("""
                UPDATE deliveries SET created_at = CASE id WHEN $1::bigint THEN '2024-05-01T10:00:00Z'::timestamptz
                                                          WHEN $2::bigint THEN '2024-05-01T11:00:00Z'::timestamptz
                                                          ELSE '2024-05-01T12:00:00Z'::timestamptz END
                """, [String(dead[0]), String(dead[1])])
            #expect(try fixture.store.replay(from: "2024-05-01T10:30:00Z", to: "2024-05-01T12:00:00Z", on: fixture.connection) == 1)
            #expect(try dead.map { try fixture.row($0).state } == ["dead", "pending", "dead"])
            #expect(try fixture.store.replay(to: "2024-05-01T10:00:00.000001Z", on: fixture.connection) == 1)
            #expect(try fixture.row(dead[0]).state == "pending")
            #expect(try fixture.store.replay(sink: "log", from: "2024-05-01T12:00:00Z", on: fixture.connection) == 0)
            #expect(try fixture.store.replay(from: "2024-05-01T12:00:00+00:00", on: fixture.connection) == 1)
        }
    }

    @Test("a time that is not one is refused by the database, and nothing changes")
    func badTime() throws {
        try OutboxFixture.with(pauseAfter: 20) { fixture in
            let (_, dead) = try finishedDeliveries(fixture)
            #expect(throws: PostgresError.self) { try fixture.store.replay(from: "yesterday-ish", on: fixture.connection) }
            #expect(try fixture.row(dead[0]).state == "dead")
        }
    }

    @Test("the list: newest first, filtered by state, sink and SID, with attempts and the last error")
    func list() throws {
        try OutboxFixture.with(pauseAfter: 20) { fixture in
            let (delivered, dead) = try finishedDeliveries(fixture)
            let other = "BU" + String(repeating: "f", count: 32)
            let pending = try fixture.addTransition(sinks: ["log"], dueIn: 60, sid: other, from: nil, to: "draft")[0]
            let all = try fixture.store.list(on: fixture.connection)
            let everyID: [Int64] = [pending] + delivered + dead
            #expect(all.map(\.id) == everyID.sorted(by: >))

            let deadOnes = try fixture.store.list(state: "dead", on: fixture.connection)
            #expect(deadOnes.map(\.id) == dead.reversed())
            #expect(deadOnes.allSatisfy { $0.attempts == 1 && $0.lastError == "HTTP 400" && $0.finishedAt != nil })
            #expect(try fixture.store.list(sink: "log", limit: 2, on: fixture.connection).map(\.id) == [pending, delivered[2]])

            let bySID = try fixture.store.list(sid: other, on: fixture.connection)
            #expect(bySID.count == 1)
            let summary = try #require(bySID.first)
            #expect(summary.subject == .transition(id: summary.subjectTransitionID, sid: other, from: nil, to: "draft"))
            #expect(summary.state == "pending" && summary.attempts == 0 && summary.lastError == nil && summary.finishedAt == nil)
            #expect(summary.createdAt.hasSuffix("Z") && summary.nextAttemptAt > summary.createdAt)
            #expect(try fixture.store.list(state: "dead", sink: "log", on: fixture.connection).isEmpty)
        }
    }

    @Test("a notice of a paused sink is listed as such")
    func listNotice() throws {
        try OutboxFixture.with(pauseAfter: 20) { fixture in
            try fixture.store.enqueueNotice(pausedSink: "hook", reason: "gone", recipients: ["log", "hook"], on: fixture.connection)
            let listed = try fixture.store.list(on: fixture.connection)
            #expect(listed.count == 1)
            guard case .notice(_, let sink) = listed[0].subject else {
                Issue.record("expected a notice, got \(listed[0].subject)")
                return
            }
            #expect(sink == "hook" && listed[0].sink == "log")
        }
    }
}

extension DeliverySummary {
    /// The transition id of a transition's delivery (0 for a notice), for comparing subjects.
    fileprivate var subjectTransitionID: Int64 {
        if case .transition(let id, _, _, _) = subject { return id }
        return 0
    }
}
