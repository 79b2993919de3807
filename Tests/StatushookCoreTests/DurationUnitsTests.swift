import DurationUnits
import Testing

@Suite("Duration in the units below statushook")
struct DurationUnitsTests {
    @Test("milliseconds rounded down, up and to the nearest keep the sub-second part", arguments: [
        (Duration.milliseconds(1500), Int64(1500), Int64(1500), Int64(1500)),
        (.microseconds(1_500_400), 1500, 1501, 1500),
        (.microseconds(1_500_500), 1500, 1501, 1501),
        (.nanoseconds(1), 0, 1, 0),
        (.zero, 0, 0, 0),
        (.zero - .microseconds(1_500), -2, -1, -2),
    ])
    func milliseconds(duration: Duration, down: Int64, up: Int64, nearest: Int64) {
        #expect(duration.milliseconds(rounded: .down) == down)
        #expect(duration.milliseconds(rounded: .up) == up)
        #expect(duration.milliseconds(rounded: .nearest) == nearest)
    }

    @Test("seconds and microseconds; a 0.5 s wait is not 0 seconds when rounded up")
    func otherUnits() {
        #expect(Duration.milliseconds(500).seconds(rounded: .up) == 1)
        #expect(Duration.milliseconds(500).seconds(rounded: .down) == 0)
        #expect(Duration.seconds(3).seconds(rounded: .up) == 3)
        #expect(Duration.nanoseconds(2_500).microseconds(rounded: .down) == 2)
        #expect(Duration.milliseconds(250).timeInterval == 0.25)
    }

    @Test("counts past Int64 saturate instead of trapping")
    func saturation() {
        let huge = Duration.seconds(Int64.max)
        #expect(huge.milliseconds(rounded: .down) == .max)
        #expect((Duration.zero - huge).microseconds(rounded: .up) == .min)
        if case .nanoseconds(let value) = huge.dispatchInterval { #expect(value == .max) } else { Issue.record("not nanoseconds") }
    }
}
