/// Delivers events to one configured sink, on the dispatcher thread that owns it.
///
/// A driver may keep connections open between deliveries (an SMTP session, an HTTP keep-alive
/// handle), so each dispatcher thread has its own; `deliver` blocks that thread and never runs
/// on Swift's cooperative pool.
public protocol SinkDriver: AnyObject {
    var name: String { get }
    func deliver(_ event: TransitionEvent) -> AttemptOutcome
    /// Tells the operator something through this sink (another sink was paused, …).
    func notify(subject: String, text: String) -> AttemptOutcome
    /// Drops open connections and reopens files (SIGHUP, shutdown).
    func reset()
}
