/// Whether a sink that sends digests mails its waiting transitions one by one, as one digest, or
/// not yet: decided without I/O, shared by the sink's workers (behind their lock).
///
/// Up to `after` transitions an `interval` go out one by one. When more would (a burst: more
/// waiting now, or more waiting plus those already sent one by one in this interval), they go out
/// together at once, and then no more than one digest each `interval` while the burst lasts: what
/// arrives meanwhile waits for the next, as Alertmanager groups alerts; a digest that took as many
/// as one may tell (a backlog) is followed by the next at once. A digest is counted as
/// sent once decided, so that two workers never both send one; one-by-one sends are counted as
/// claimed (``sent(_:now:)``), since two workers may count the same waiting transitions.
struct DigestPacing: Equatable {
    /// More than this many in an interval make a digest; at least 1.
    let after: Int
    let interval: Duration
    /// When the last digest of this burst was decided; nil outside a burst.
    private(set) var lastDigest: ContinuousClock.Instant?
    /// When the current interval of one-by-one sends began, and how many were claimed in it.
    private(set) var windowStart: ContinuousClock.Instant?
    private(set) var sentInWindow = 0
    /// The last digest took as many as one may tell: what waits goes out as the next at once.
    private(set) var backlog = false

    enum Decision: Equatable {
        /// Claim at most this many (what is left of the interval's allowance); each transition is
        /// its own message. Report the claim with ``sent(_:now:)``.
        case oneByOne(Int)
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
        if backlog {
            backlog = false
            if waiting > 0 {
                lastDigest = now
                return .digest
            }
        }
        if let lastDigest, now - lastDigest < interval {
            return .hold(interval - (now - lastDigest))
        }
        lastDigest = nil
        if let windowStart, now - windowStart < interval {} else {
            windowStart = now
            sentInWindow = 0
        }
        if sentInWindow + waiting > after {
            lastDigest = now
            windowStart = nil
            sentInWindow = 0
            return .digest
        }
        return .oneByOne(after - sentInWindow)
    }

    /// A digest claimed `count` transitions of at most `limit`: a full one says more wait (a
    /// backlog), and the next goes out at once instead of an interval later.
    mutating func digestClaimed(_ count: Int, limit: Int) {
        backlog = count >= limit
    }

    /// `count` transitions were claimed to go out one by one.
    mutating func sent(_ count: Int, now: ContinuousClock.Instant) {
        if windowStart == nil { windowStart = now }
        sentInWindow += count
    }
}
