/// What happens to a delivery after an attempt.
public enum DeliveryDecision: Sendable, Equatable {
    case delivered
    /// Back to `pending`, due again after this wait.
    case retry(after: Duration)
    /// No more attempts; `reason` becomes the delivery's last error.
    case dead(reason: String)
}
