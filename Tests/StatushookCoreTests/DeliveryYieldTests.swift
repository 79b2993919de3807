import Testing
@testable import StatushookCore

@Suite("Dispatch: delivery yields to a burst of callbacks")
struct DeliveryYieldTests {
    private let start = ContinuousClock.now

    @Test("at or below the burst rate every claim is at full speed")
    func ordinary() {
        var yield = DeliveryYield(burstRate: 500, trickle: .seconds(1))
        #expect(yield.decide(rate: 0, now: start) == .full)
        #expect(yield.decide(rate: 500, now: start) == .full)
        #expect(!yield.inBurst && yield.lastBatch == nil)
    }

    @Test("in a burst the sink takes one batch each trickle, shared by its workers, and waits between")
    func burst() {
        var yield = DeliveryYield(burstRate: 500, trickle: .seconds(1))
        #expect(yield.decide(rate: 501, now: start) == .oneBatch)
        #expect(yield.decide(rate: 8000, now: start + .milliseconds(1)) == .wait(.milliseconds(999)))
        #expect(yield.decide(rate: 8000, now: start + .milliseconds(600)) == .wait(.milliseconds(400)))
        #expect(yield.decide(rate: 8000, now: start + .seconds(1)) == .oneBatch)
    }

    @Test("when the burst ends, delivery is at full speed at once, and a new burst starts with a batch")
    func afterwards() {
        var yield = DeliveryYield(burstRate: 500, trickle: .seconds(1))
        #expect(yield.decide(rate: 9000, now: start) == .oneBatch)
        #expect(yield.decide(rate: 10, now: start + .milliseconds(100)) == .full)
        #expect(!yield.inBurst)
        #expect(yield.decide(rate: 9000, now: start + .milliseconds(200)) == .oneBatch)
    }

    @Test("a burst lasts until the rate is down to half the burst rate, so a rate about it does not flip")
    func hysteresis() {
        var yield = DeliveryYield(burstRate: 500, trickle: .seconds(1))
        #expect(yield.decide(rate: 480, now: start) == .full)
        #expect(yield.decide(rate: 520, now: start) == .oneBatch)
        #expect(yield.decide(rate: 480, now: start + .milliseconds(100)) == .wait(.milliseconds(900)))
        #expect(yield.decide(rate: 251, now: start + .seconds(1)) == .oneBatch)
        #expect(yield.decide(rate: 250, now: start + .seconds(2)) == .full)
        #expect(yield.decide(rate: 480, now: start + .seconds(3)) == .full)
    }

    @Test("burst rate 0 never yields")
    func off() {
        var yield = DeliveryYield(burstRate: 0, trickle: .seconds(1))
        #expect(yield.decide(rate: 1_000_000, now: start) == .full)
        #expect(!yield.inBurst)
    }
}

@Suite("Ingest: callbacks per second over the last second")
struct IngestRateTests {
    private let start = ContinuousClock.now

    @Test("counts what was taken in the last second, and nothing older")
    func window() {
        var rate = IngestRate(origin: start)
        #expect(rate.perSecond(at: start) == 0)
        rate.record(100, at: start)
        rate.record(50, at: start + .milliseconds(450))
        rate.record(25, at: start + .milliseconds(950))
        #expect(rate.perSecond(at: start + .milliseconds(990)) == 175)
        // The first 100 ms bucket has left the window; the others are still in it.
        #expect(rate.perSecond(at: start + .milliseconds(1000)) == 75)
        #expect(rate.perSecond(at: start + .milliseconds(1450)) == 25)
        #expect(rate.perSecond(at: start + .milliseconds(1950)) == 0)
    }

    @Test("a long quiet spell empties every bucket, and counting starts again")
    func quiet() {
        var rate = IngestRate(origin: start)
        for tick in 0..<10 { rate.record(10, at: start + .milliseconds(100 * tick)) }
        #expect(rate.perSecond(at: start + .milliseconds(999)) == 100)
        rate.record(3, at: start + .seconds(60))
        #expect(rate.perSecond(at: start + .seconds(60)) == 3)
        rate.record(4, at: start + .seconds(60) + .milliseconds(500))
        #expect(rate.perSecond(at: start + .seconds(61)) == 4)
    }

    @Test("a time before the origin counts in the first bucket")
    func early() {
        var rate = IngestRate(origin: start)
        rate.record(5, at: start - .seconds(1))
        #expect(rate.perSecond(at: start) == 5)
    }
}
