/// A sink's run of failures, and whether it is paused (docs/contract.md §2, `sink_pause_after`).
///
/// Every failed attempt (transient, permanent or gone) lengthens the run and a success ends it. The
/// sink is paused when the run reaches the limit, or at once when the receiver answered Gone. Only
/// the operator resumes a paused sink: a late success from an attempt still in flight does not.
public struct SinkHealth: Sendable, Equatable {
    public var consecutiveFailures: Int
    public var isPaused: Bool

    public init(consecutiveFailures: Int = 0, isPaused: Bool = false) {
        self.consecutiveFailures = consecutiveFailures
        self.isPaused = isPaused
    }

    /// The health after one more attempt came to `outcome`, pausing after `pauseAfter` failures in a row.
    public func recording(_ outcome: AttemptOutcome, pauseAfter: Int) -> SinkHealthChange {
        var next = self
        var pauseReason: String?
        switch outcome {
        case .delivered:
            next.consecutiveFailures = 0
        case .gone(let detail):
            next.consecutiveFailures += 1
            if !isPaused { pauseReason = "the receiver is gone: \(detail)" }
        case .transient(let detail, _), .permanent(let detail):
            next.consecutiveFailures += 1
            if !isPaused, next.consecutiveFailures >= max(pauseAfter, 1) {
                pauseReason = "\(next.consecutiveFailures) failures in a row, the last: \(detail)"
            }
        }
        if pauseReason != nil { next.isPaused = true }
        return SinkHealthChange(health: next, pauseReason: pauseReason)
    }
}

/// A sink's health after an attempt, and whether that attempt paused it.
public struct SinkHealthChange: Sendable, Equatable {
    public var health: SinkHealth
    /// Why this attempt paused the sink; nil when it did not (including when it was paused already).
    public var pauseReason: String?

    public init(health: SinkHealth, pauseReason: String?) {
        self.health = health
        self.pauseReason = pauseReason
    }

    /// True when this attempt paused the sink: the moment to tell the operator through the other sinks.
    public var pausedNow: Bool { pauseReason != nil }
}
