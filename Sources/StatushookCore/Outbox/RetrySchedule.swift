/// How long to wait before each retry of a delivery, with jitter (docs/contract.md §2, `retry_schedule`).
///
/// Attempt 1 is the first delivery; after a transient failure of attempt `n` the delivery waits
/// `delays[n - 1]`, give or take the jitter, so a schedule of six delays allows seven attempts.
/// The random unit value comes from the caller, which keeps this a pure function.
public struct RetrySchedule: Sendable, Equatable {
    /// 5s, 5m, 30m, 2h, 5h, 10h.
    public static let defaultDelays: [Duration] = [
        .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600), .seconds(10 * 3600),
    ]

    public var delays: [Duration]
    /// The fraction a delay may move either way (0.2: ±20 %), so that a burst that failed together
    /// does not retry together.
    public var jitter: Double
    /// The longest `Retry-After` obeyed: a receiver asking for a week gets this instead.
    public var retryAfterLimit: Duration

    public init(delays: [Duration] = RetrySchedule.defaultDelays, jitter: Double = 0.2, retryAfterLimit: Duration = .seconds(24 * 3600)) {
        self.delays = delays
        self.jitter = min(max(jitter, 0), 1)
        self.retryAfterLimit = retryAfterLimit
    }

    /// Every attempt the schedule allows: the first plus one per delay.
    public var maxAttempts: Int { delays.count + 1 }

    /// The wait after attempt `attempt` (1-based) failed, or nil when it was the last one allowed.
    ///
    /// `random` is a unit value (`0...1`, clamped): 0 gives the shortest wait, 0.5 the delay as
    /// configured, 1 the longest.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let unit = random.isNaN ? 0.5 : min(max(random, 0), 1)
        return delays[attempt - 1] * (1 + jitter * (2 * unit - 1))
    }

    /// A receiver's `Retry-After`, bounded to `0...retryAfterLimit`; never jittered, as it was asked for.
    public func bounded(retryAfter: Duration) -> Duration {
        min(max(retryAfter, .zero), retryAfterLimit)
    }
}
