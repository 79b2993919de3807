/// When a chat sink may post next, shared by the sink's dispatcher threads.
///
/// Slack and Teams answer a burst with 429 and a `Retry-After`. Without this, each of the sink's
/// workers would go on posting the rest of its batch into the same refusal, every answer a failed
/// attempt and a step toward pausing the sink; with it, once the service asked for a wait, every
/// worker of the sink holds back until then and posts after it.
struct ChatSendWindow: Sendable, Equatable {
    /// Set by the latest wait the service asked for; nil until it asked.
    private(set) var notBefore: ContinuousClock.Instant?

    /// How long to wait at `now` before posting: the rest of the asked-for wait, at most
    /// `longest` (an attempt stays bounded: the sink's timeout).
    func hold(now: ContinuousClock.Instant, longest: Duration) -> Duration {
        guard let notBefore, notBefore > now else { return .zero }
        return min(notBefore - now, max(longest, .zero))
    }

    /// An answer that asked for a wait (`Retry-After`) moves the window; nothing else does.
    mutating func record(_ outcome: AttemptOutcome, now: ContinuousClock.Instant) {
        guard case .transient(_, let retryAfter?) = outcome, retryAfter > .zero else { return }
        let until = now + retryAfter
        if notBefore.map({ until > $0 }) ?? true { notBefore = until }
    }
}
