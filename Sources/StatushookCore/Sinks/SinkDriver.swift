/// Delivers payloads to one configured sink, on the dispatcher thread that owns it.
///
/// A driver may keep connections open between deliveries (an SMTP session, an HTTP keep-alive
/// handle), so each dispatcher thread has its own; `deliver` blocks that thread and never runs
/// on Swift's cooperative pool.
public protocol SinkDriver: AnyObject {
    var name: String { get }
    /// A transition, or a notice for the operator (another sink was paused).
    func deliver(_ payload: DeliveryPayload) -> AttemptOutcome
    /// Drops open connections (shutdown, reload).
    func reset()
}

/// A sink that can tell many transitions in one message (`digest_after`).
public protocol DigestSinkDriver: SinkDriver {
    /// When more than this many transitions wait, they go out as one digest; 0: never.
    var digestAfter: Int { get }
    /// The least time between two digests while a burst lasts.
    var digestInterval: Duration { get }
    /// The most transitions one digest tells: what one message can list. A bigger backlog goes
    /// out as several digests, back to back.
    var digestLimit: Int { get }
    /// One message telling all of `events`, oldest first; its outcome is each one's.
    func deliverDigest(_ events: [TransitionEvent]) -> AttemptOutcome
}
