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
