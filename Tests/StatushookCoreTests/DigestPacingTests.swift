import Testing
@testable import StatushookCore

@Suite("Dispatch: when a burst goes out as digests")
struct DigestPacingTests {
    private let start = ContinuousClock.now

    @Test("up to the threshold, transitions go one by one")
    func quiet() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        #expect(pacing.decide(waiting: 0, now: start) == .oneByOne)
        #expect(pacing.decide(waiting: 10, now: start) == .oneByOne)
        #expect(pacing.lastDigest == nil)
    }

    @Test("more than the threshold waiting makes a digest at once, then none until the interval has passed")
    func burst() {
        var pacing = DigestPacing(after: 10, interval: .seconds(60))
        #expect(pacing.decide(waiting: 11, now: start) == .digest)
        #expect(pacing.decide(waiting: 11, now: start + .seconds(1)) == .hold(.seconds(59)))
        #expect(pacing.decide(waiting: 3, now: start + .seconds(30)) == .hold(.seconds(30)))
        #expect(pacing.decide(waiting: 500, now: start + .seconds(60)) == .digest)
    }

    @Test("a burst ends when no more than the threshold waits after an interval: one by one again")
    func burstEnds() {
        var pacing = DigestPacing(after: 10, interval: .seconds(2))
        #expect(pacing.decide(waiting: 50, now: start) == .digest)
        #expect(pacing.decide(waiting: 4, now: start + .seconds(2)) == .oneByOne)
        #expect(pacing.lastDigest == nil)
        #expect(pacing.decide(waiting: 4, now: start + .seconds(3)) == .oneByOne)
    }

    @Test("of two workers deciding at once, only the first sends the digest")
    func twoWorkers() {
        var pacing = DigestPacing(after: 1, interval: .seconds(10))
        #expect(pacing.decide(waiting: 2, now: start) == .digest)
        #expect(pacing.decide(waiting: 2, now: start) == .hold(.seconds(10)))
    }
}
