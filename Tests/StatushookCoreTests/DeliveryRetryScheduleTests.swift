import Testing
@testable import StatushookCore

@Suite("Delivery: retry schedule")
struct DeliveryRetryScheduleTests {
    private let schedule = RetrySchedule()

    @Test("the default is 5s, 5m, 30m, 2h, 5h, 10h with ±20 % jitter: seven attempts in all")
    func defaults() {
        #expect(schedule.delays == [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000)])
        #expect(schedule.jitter == 0.2)
        #expect(schedule.maxAttempts == 7)
        #expect(RetrySchedule.defaultDelays == Configuration(databaseURL: "").retrySchedule)
    }

    @Test("a random value of one half gives each delay as configured", arguments: 1...6)
    func middle(attempt: Int) {
        #expect(schedule.delay(afterAttempt: attempt, random: 0.5) == schedule.delays[attempt - 1])
    }

    @Test("0 gives 80 % of the delay, 1 gives 120 %, 0.75 gives 110 %", arguments: 1...6)
    func jitterBounds(attempt: Int) {
        let delay = schedule.delays[attempt - 1]
        #expect(schedule.delay(afterAttempt: attempt, random: 0) == delay * 0.8)
        #expect(schedule.delay(afterAttempt: attempt, random: 1) == delay * 1.2)
        #expect(schedule.delay(afterAttempt: attempt, random: 0.75) == delay * 1.1)
    }

    @Test("every random value stays within ±20 %")
    func withinBounds() {
        for step in 0...100 {
            let wait = schedule.delay(afterAttempt: 2, random: Double(step) / 100)!
            #expect(wait >= .seconds(240) && wait <= .seconds(360), "\(step): \(wait)")
        }
    }

    @Test("a random value outside 0…1 (or NaN) is clamped rather than trusted")
    func clamped() {
        #expect(schedule.delay(afterAttempt: 1, random: -3) == .seconds(4))
        #expect(schedule.delay(afterAttempt: 1, random: 7) == .seconds(6))
        #expect(schedule.delay(afterAttempt: 1, random: .nan) == .seconds(5))
    }

    @Test("after the last delay there is none: attempt 7 of the default is the last; 0 and negatives have none")
    func exhausted() {
        #expect(schedule.delay(afterAttempt: 6, random: 0.5) == .seconds(36000))
        #expect(schedule.delay(afterAttempt: 7, random: 0.5) == nil)
        #expect(schedule.delay(afterAttempt: 100, random: 0.5) == nil)
        #expect(schedule.delay(afterAttempt: 0, random: 0.5) == nil)
        #expect(schedule.delay(afterAttempt: -1, random: 0.5) == nil)
    }

    @Test("a configured schedule is followed; an empty one allows a single attempt")
    func custom() {
        let short = RetrySchedule(delays: [.milliseconds(500), .seconds(2)], jitter: 0)
        #expect(short.maxAttempts == 3)
        #expect(short.delay(afterAttempt: 1, random: 0) == .milliseconds(500))
        #expect(short.delay(afterAttempt: 2, random: 1) == .seconds(2))
        #expect(short.delay(afterAttempt: 3, random: 0.5) == nil)
        let none = RetrySchedule(delays: [])
        #expect(none.maxAttempts == 1)
        #expect(none.delay(afterAttempt: 1, random: 0.5) == nil)
    }

    @Test("jitter is kept within 0…1")
    func jitterRange() {
        #expect(RetrySchedule(jitter: -0.5).jitter == 0)
        #expect(RetrySchedule(jitter: 3).jitter == 1)
    }

    @Test("a Retry-After is kept as asked within 0…limit, never jittered")
    func retryAfter() {
        #expect(schedule.bounded(retryAfter: .seconds(120)) == .seconds(120))
        #expect(schedule.bounded(retryAfter: .zero) == .zero)
        #expect(schedule.bounded(retryAfter: .seconds(-5)) == .zero)
        #expect(schedule.bounded(retryAfter: .seconds(7 * 86400)) == .seconds(86400))
        #expect(RetrySchedule(retryAfterLimit: .seconds(60)).bounded(retryAfter: .seconds(61)) == .seconds(60))
    }
}
