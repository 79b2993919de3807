/// What one attempt to deliver to a sink came to; the delivery rules decide what follows.
public enum AttemptOutcome: Sendable, Equatable {
    case delivered(detail: String)
    /// Worth retrying: a network error, a timeout, SMTP 4yz, HTTP 408/429/5xx. `retryAfter`
    /// is the receiver's own wish (HTTP `Retry-After`), honoured over the schedule.
    case transient(detail: String, retryAfter: Duration?)
    /// Retrying will not help: SMTP 5yz, HTTP 4xx other than 408/410/429, a required STARTTLS
    /// that the server does not offer.
    case permanent(detail: String)
    /// HTTP 410: the receiver is gone for good; the sink is paused.
    case gone(detail: String)

    public var detail: String {
        switch self {
        case .delivered(let detail), .transient(let detail, _), .permanent(let detail), .gone(let detail):
            return detail
        }
    }

    /// True for ``delivered(detail:)``: the attempts a batch settles without touching the sink's health.
    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }

    /// The same outcome with `prefix: ` before its detail (a digest names itself in each of its
    /// deliveries' attempts).
    public func described(_ prefix: String) -> AttemptOutcome {
        switch self {
        case .delivered(let detail): .delivered(detail: "\(prefix): \(detail)")
        case .transient(let detail, let retryAfter): .transient(detail: "\(prefix): \(detail)", retryAfter: retryAfter)
        case .permanent(let detail): .permanent(detail: "\(prefix): \(detail)")
        case .gone(let detail): .gone(detail: "\(prefix): \(detail)")
        }
    }

    /// The word stored in `delivery_attempts.outcome`.
    public var name: String {
        switch self {
        case .delivered: return "delivered"
        case .transient: return "transient"
        case .permanent: return "permanent"
        case .gone: return "gone"
        }
    }
}
