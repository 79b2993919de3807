/// The delivery state machine: from an attempt's outcome to the delivery's next state.
public enum DeliveryRules {
    /// What follows attempt `attemptNumber` (1-based) that came to `outcome`.
    ///
    /// A transient failure is retried per `schedule`, or after the receiver's `Retry-After` when it
    /// gave one (bounded by the schedule), until the schedule is exhausted. Permanent failures and
    /// a gone receiver end the delivery at once. `random` is the unit value for the jitter.
    public static func decide(attemptNumber: Int, outcome: AttemptOutcome, schedule: RetrySchedule, random: Double) -> DeliveryDecision {
        switch outcome {
        case .delivered:
            return .delivered
        case .permanent(let detail), .gone(let detail):
            return .dead(reason: detail)
        case .transient(let detail, let retryAfter):
            guard let scheduled = schedule.delay(afterAttempt: attemptNumber, random: random) else {
                let attempts = max(attemptNumber, 1)
                return .dead(reason: "gave up after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(detail)")
            }
            return .retry(after: retryAfter.map(schedule.bounded(retryAfter:)) ?? scheduled)
        }
    }
}
