import Testing
@testable import StatushookCore

@Suite("DatabaseWatch: the backoff while waiting for the database at start")
struct DatabaseWatchBackoffTests {
    @Test("the wait doubles from 250 ms after each failed attempt")
    func doubles() {
        let waits = (1...4).map { DatabaseWatch.delay(afterAttempt: $0, jitter: 1) }
        #expect(waits == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)])
    }

    @Test("the wait is capped, however long the database stays away")
    func capped() {
        #expect(DatabaseWatch.delay(afterAttempt: 6, jitter: 1) == DatabaseWatch.maxDelay)
        #expect(DatabaseWatch.delay(afterAttempt: 10_000, jitter: 1) == DatabaseWatch.maxDelay)
    }

    @Test("jitter scales the wait, so that instances started together do not retry in step")
    func jitter() {
        #expect(DatabaseWatch.delay(afterAttempt: 3, jitter: 0.8) == .milliseconds(800))
        #expect(DatabaseWatch.delay(afterAttempt: 3, jitter: 1.2) == .milliseconds(1200))
        #expect(DatabaseWatch.delay(afterAttempt: 20, jitter: 1.2) == DatabaseWatch.maxDelay * 1.2)
    }

    @Test("an attempt number below 1 waits the first wait")
    func firstAttempt() {
        #expect(DatabaseWatch.delay(afterAttempt: 0, jitter: 1) == .milliseconds(250))
    }
}
