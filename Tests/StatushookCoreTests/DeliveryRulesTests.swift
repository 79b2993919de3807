import Testing
@testable import StatushookCore

@Suite("Delivery: what follows an attempt")
struct DeliveryRulesTests {
    private let schedule = RetrySchedule()

    private func decide(_ attempt: Int, _ outcome: AttemptOutcome, random: Double = 0.5,
                        schedule: RetrySchedule = RetrySchedule()) -> DeliveryDecision {
        DeliveryRules.decide(attemptNumber: attempt, outcome: outcome, schedule: schedule, random: random)
    }

    @Test("a delivered attempt is delivered, whichever attempt it was", arguments: [1, 3, 7, 50])
    func delivered(attempt: Int) {
        #expect(decide(attempt, .delivered(detail: "250 OK")) == .delivered)
    }

    @Test("a transient failure is retried after the schedule's delay for that attempt", arguments: 1...6)
    func transientRetried(attempt: Int) {
        #expect(decide(attempt, .transient(detail: "HTTP 503", retryAfter: nil)) == .retry(after: schedule.delays[attempt - 1]))
    }

    @Test("the retry is jittered by the random value")
    func jittered() {
        #expect(decide(1, .transient(detail: "timeout", retryAfter: nil), random: 0) == .retry(after: .seconds(4)))
        #expect(decide(2, .transient(detail: "timeout", retryAfter: nil), random: 1) == .retry(after: .seconds(360)))
    }

    @Test("Retry-After replaces the schedule's delay, exactly as asked")
    func retryAfterHonoured() {
        #expect(decide(1, .transient(detail: "HTTP 429", retryAfter: .seconds(90)), random: 0) == .retry(after: .seconds(90)))
        #expect(decide(5, .transient(detail: "HTTP 503", retryAfter: .seconds(1)), random: 1) == .retry(after: .seconds(1)))
        #expect(decide(1, .transient(detail: "HTTP 429", retryAfter: .zero)) == .retry(after: .zero))
    }

    @Test("a Retry-After beyond the limit is cut to it; a negative one is zero")
    func retryAfterBounded() {
        #expect(decide(1, .transient(detail: "HTTP 503", retryAfter: .seconds(30 * 86400))) == .retry(after: .seconds(86400)))
        #expect(decide(1, .transient(detail: "HTTP 503", retryAfter: .seconds(-10))) == .retry(after: .zero))
    }

    @Test("a transient failure of the last attempt is dead, naming the count and the last detail")
    func exhausted() {
        #expect(decide(7, .transient(detail: "connection refused", retryAfter: nil))
                == .dead(reason: "gave up after 7 attempts: connection refused"))
        #expect(decide(9, .transient(detail: "timeout", retryAfter: nil)) == .dead(reason: "gave up after 9 attempts: timeout"))
    }

    @Test("a Retry-After does not add attempts beyond the schedule")
    func retryAfterWhenExhausted() {
        #expect(decide(7, .transient(detail: "HTTP 429", retryAfter: .seconds(5)))
                == .dead(reason: "gave up after 7 attempts: HTTP 429"))
    }

    @Test("with an empty schedule the first transient failure is dead (singular wording)")
    func emptySchedule() {
        #expect(decide(1, .transient(detail: "451 try later", retryAfter: nil), schedule: RetrySchedule(delays: []))
                == .dead(reason: "gave up after 1 attempt: 451 try later"))
    }

    @Test("a permanent failure is dead at once, with its detail", arguments: [1, 2, 6, 7])
    func permanent(attempt: Int) {
        #expect(decide(attempt, .permanent(detail: "550 no such user")) == .dead(reason: "550 no such user"))
    }

    @Test("a gone receiver is dead at once, with its detail", arguments: [1, 4, 7])
    func gone(attempt: Int) {
        #expect(decide(attempt, .gone(detail: "HTTP 410 Gone")) == .dead(reason: "HTTP 410 Gone"))
    }

    @Test("a short custom schedule: retried twice, then dead")
    func customSchedule() {
        let short = RetrySchedule(delays: [.seconds(1), .seconds(2)], jitter: 0)
        let failure = AttemptOutcome.transient(detail: "451", retryAfter: nil)
        #expect(decide(1, failure, schedule: short) == .retry(after: .seconds(1)))
        #expect(decide(2, failure, schedule: short) == .retry(after: .seconds(2)))
        #expect(decide(3, failure, schedule: short) == .dead(reason: "gave up after 3 attempts: 451"))
    }
}
