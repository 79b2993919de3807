import Locking

/// Rung by the ingest writer after a commit that queued deliveries; wakes the dispatcher of
/// this process, as a NOTIFY would, without one.
///
/// A NOTIFY in the ingest transaction took PostgreSQL's notification-queue lock from before its
/// commit until after its flush, so the two ingest writers' commits could never overlap; and
/// each woke the listening backend for a transaction of its own. Other statushook processes on
/// the same database hear of it from this process's dispatcher, which passes it on with a NOTIFY
/// of its own, one a second at most.
public final class OutboxDoorbell: Sendable {
    /// The dispatchers listening, by who listens: a reload starts the new one before or after
    /// the old one ends.
    private let listeners = Locked<[ObjectIdentifier: @Sendable () -> Void]>([:])

    public init() {}

    func listen(_ listener: AnyObject, _ wake: @escaping @Sendable () -> Void) {
        listeners.withLock { $0[ObjectIdentifier(listener)] = wake }
    }

    func stopListening(_ listener: AnyObject) {
        _ = listeners.withLock { $0.removeValue(forKey: ObjectIdentifier(listener)) }
    }

    /// Deliveries were committed: every listening dispatcher looks.
    func ring() {
        for wake in listeners.withLock({ Array($0.values) }) { wake() }
    }
}
