/// Whether a sink that sends digests mails its waiting transitions one by one, as one digest, or
/// not yet: decided without I/O, shared by the sink's workers (behind their lock).
///
/// While no more than `after` transitions wait, each goes out on its own. When more wait (a
/// burst), they go out together at once, and then no more than one digest each `interval` while
/// the burst lasts: what arrives meanwhile waits for the next, as Alertmanager groups alerts. A
/// digest decided here is counted as sent at once, so that two workers never both send one.
struct DigestPacing: Equatable {
    /// More than this many waiting make a digest; at least 1.
    let after: Int
    let interval: Duration
    /// When the last digest of this burst was decided; nil outside a burst.
    private(set) var lastDigest: ContinuousClock.Instant?

    enum Decision: Equatable {
        /// Claim as usual; each transition is its own message.
        case oneByOne
        /// Claim everything waiting (up to the digest limit) and send it as one message.
        case digest
        /// Claim nothing: the next digest may go out after this long.
        case hold(Duration)
    }

    init(after: Int, interval: Duration) {
        precondition(after >= 1, "digests need a threshold of at least 1")
        self.after = after
        self.interval = interval
    }

    /// `waiting`: the sink's due transitions, counted up to `after + 1`.
    mutating func decide(waiting: Int, now: ContinuousClock.Instant) -> Decision {
        if let lastDigest, now - lastDigest < interval {
            return .hold(interval - (now - lastDigest))
        }
        if waiting > after {
            lastDigest = now
            return .digest
        }
        lastDigest = nil
        return .oneByOne
    }
}
