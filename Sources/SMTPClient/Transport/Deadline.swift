import DurationUnits

/// A point in time by which an I/O wait must end, turned into `poll` timeouts.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after duration: Duration) {
        instant = .now + duration
    }

    /// Milliseconds left for `poll`, rounded up so a wait never ends early; 0 when past.
    var remainingMilliseconds: Int32 {
        let left = instant - .now
        guard left > .zero else { return 0 }
        return Int32(clamping: left.milliseconds(rounded: .up))
    }
}
