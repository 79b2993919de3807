import Testing
@testable import StatushookCore

@Suite("Delivery: sink health")
struct DeliverySinkHealthTests {
    private let transient = AttemptOutcome.transient(detail: "HTTP 503", retryAfter: nil)

    /// Records `outcomes` one after another from a fresh sink; returns every change.
    private func run(_ outcomes: [AttemptOutcome], pauseAfter: Int = 3, from start: SinkHealth = SinkHealth()) -> [SinkHealthChange] {
        var health = start
        return outcomes.map { outcome in
            let change = health.recording(outcome, pauseAfter: pauseAfter)
            health = change.health
            return change
        }
    }

    @Test("a new sink is healthy and active")
    func fresh() {
        #expect(SinkHealth() == SinkHealth(consecutiveFailures: 0, isPaused: false))
    }

    @Test("failures count up, and the one that reaches the limit pauses the sink, saying why")
    func pausesAtLimit() {
        let changes = run([transient, .permanent(detail: "HTTP 400"), .transient(detail: "timeout", retryAfter: .seconds(3))])
        #expect(changes.map(\.health.consecutiveFailures) == [1, 2, 3])
        #expect(changes.map(\.pausedNow) == [false, false, true])
        #expect(changes[2].health.isPaused)
        #expect(changes[2].pauseReason == "3 failures in a row, the last: timeout")
    }

    @Test("the default limit of 20: the 19th failure does not pause, the 20th does")
    func defaultLimit() {
        let changes = run(Array(repeating: transient, count: 20), pauseAfter: 20)
        #expect(!changes[18].health.isPaused)
        #expect(changes[19].pausedNow)
    }

    @Test("a success ends the run, so failures apart never pause")
    func successResets() {
        let changes = run([transient, transient, .delivered(detail: "200"), transient, transient])
        #expect(changes.map(\.health.consecutiveFailures) == [1, 2, 0, 1, 2])
        #expect(changes.allSatisfy { !$0.pausedNow && !$0.health.isPaused })
    }

    @Test("Gone pauses at once, even on the first failure")
    func gone() {
        let change = SinkHealth().recording(.gone(detail: "HTTP 410 Gone"), pauseAfter: 20)
        #expect(change.pausedNow)
        #expect(change.health == SinkHealth(consecutiveFailures: 1, isPaused: true))
        #expect(change.pauseReason == "the receiver is gone: HTTP 410 Gone")
    }

    @Test("a sink paused already is not paused again: the operator is told once")
    func alreadyPaused() {
        let paused = SinkHealth(consecutiveFailures: 3, isPaused: true)
        let changes = run([transient, .gone(detail: "410"), transient], from: paused)
        #expect(changes.allSatisfy { !$0.pausedNow && $0.health.isPaused })
        #expect(changes.map(\.health.consecutiveFailures) == [4, 5, 6])
    }

    @Test("a late success on a paused sink resets the run but leaves it paused for the operator")
    func successWhilePaused() {
        let change = SinkHealth(consecutiveFailures: 5, isPaused: true).recording(.delivered(detail: "250"), pauseAfter: 3)
        #expect(change.health == SinkHealth(consecutiveFailures: 0, isPaused: true))
        #expect(!change.pausedNow)
    }

    @Test("a run already past a lowered limit pauses on its next failure; a limit below 1 acts as 1")
    func lowLimits() {
        #expect(SinkHealth(consecutiveFailures: 10).recording(transient, pauseAfter: 5).pausedNow)
        #expect(SinkHealth().recording(transient, pauseAfter: 1).pausedNow)
        #expect(SinkHealth().recording(transient, pauseAfter: 0).pausedNow)
    }
}
