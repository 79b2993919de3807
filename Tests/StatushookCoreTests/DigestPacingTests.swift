import Testing
@testable import StatushookCore

@Suite("Dispatch: when a burst goes out as digests")
struct DigestPacingTests {
    private let start = ContinuousClock.now

    @Test("up to the threshold in an interval, transitions go one by one, as many as the interval has left")
    func quiet() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        #expect(pacing.decide(waiting: 0, now: start) == .oneByOne(10))
        #expect(pacing.decide(waiting: 10, now: start) == .oneByOne(10))
        pacing.sent(7, now: start)
        #expect(pacing.decide(waiting: 3, now: start + .seconds(1)) == .oneByOne(3))
        #expect(pacing.lastDigest == nil)
    }

    @Test("more than the threshold waiting makes a digest at once, then none until the interval has passed")
    func burst() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        #expect(pacing.decide(waiting: 11, now: start) == .digest)
        #expect(pacing.decide(waiting: 11, now: start + .seconds(1)) == .hold(.seconds(59)))
        #expect(pacing.decide(waiting: 3, now: start + .seconds(30)) == .hold(.seconds(30)))
        #expect(pacing.decide(waiting: 11, now: start + .seconds(60)) == .digest)
    }

    @Test("a digest that took as many as one may tell is followed by the next at once; a smaller one holds the interval")
    func backlog() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        #expect(pacing.decide(waiting: 11, now: start) == .digest)
        pacing.digestClaimed(1000, limit: 1000)
        // However few are left: they are the burst's, not the start of a quiet spell.
        #expect(pacing.decide(waiting: 3, now: start + .seconds(1)) == .digest)
        pacing.digestClaimed(400, limit: 1000)
        #expect(pacing.decide(waiting: 11, now: start + .seconds(2)) == .hold(.seconds(59)))
        // A full digest with nothing left behind it: the burst's interval holds.
        #expect(pacing.decide(waiting: 11, now: start + .seconds(61)) == .digest)
        pacing.digestClaimed(1000, limit: 1000)
        #expect(pacing.decide(waiting: 0, now: start + .seconds(62)) == .hold(.seconds(59)))
    }

    @Test("those sent one by one in the interval count: a burst that trickles in still makes a digest")
    func trickle() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        #expect(pacing.decide(waiting: 4, now: start) == .oneByOne(10))
        pacing.sent(4, now: start)
        #expect(pacing.decide(waiting: 6, now: start + .seconds(1)) == .oneByOne(6))
        pacing.sent(6, now: start + .seconds(1))
        #expect(pacing.decide(waiting: 1, now: start + .seconds(2)) == .digest)
        // A new interval starts the count again.
        #expect(pacing.decide(waiting: 9, now: start + .seconds(62)) == .oneByOne(10))
        pacing.sent(9, now: start + .seconds(62))
        #expect(pacing.decide(waiting: 9, now: start + .seconds(200)) == .oneByOne(10))
    }

    @Test("workers that count the same waiting transitions do not count them twice: only claims count")
    func sameWaitingTwice() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        for _ in 0..<3 { #expect(pacing.decide(waiting: 1, now: start) == .oneByOne(10)) }
        pacing.sent(1, now: start)
        #expect(pacing.sentInWindow == 1)
    }

    @Test("a burst ends when no more than the threshold waits after an interval: one by one again")
    func burstEnds() {
        var pacing = DigestPacing(after: 10, interval: .seconds(2))
        #expect(pacing.decide(waiting: 50, now: start) == .digest)
        #expect(pacing.decide(waiting: 4, now: start + .seconds(2)) == .oneByOne(10))
        #expect(pacing.lastDigest == nil)
    }

    @Test("of two workers deciding at once, only the first sends the digest")
    func twoWorkers() {
        var pacing = DigestPacing(after: 1, interval: .seconds(10))
        #expect(pacing.decide(waiting: 2, now: start) == .digest)
        #expect(pacing.decide(waiting: 2, now: start) == .hold(.seconds(10)))
    }
}
