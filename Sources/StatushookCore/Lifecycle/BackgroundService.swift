/// A part of the daemon that works on threads of its own: the ingest writer, the dispatcher,
/// the database watch, retention, the reconciler, the HTTP listener.
///
/// In the spirit of swift-service-lifecycle's `Service`, for threads that block in libpq,
/// libcurl or a socket, which no task cancellation reaches: `stop` asks the threads to end and
/// waits for them until a deadline, and says whether they all did. What a part can get over (a
/// lost connection, a sink that fails) it logs and retries on its own; what it cannot (pending
/// migrations it may not apply) it hands to `failure`, and the daemon stops.
///
/// `Daemon` starts its parts in order and stops them in reverse order.
public protocol BackgroundService: AnyObject, Sendable {
    /// Names the part in the daemon's log ("ingest writer").
    var serviceName: String { get }

    /// Starts the part's threads and returns; called at most once.
    func start(failure: ServiceFailure) throws

    /// Asks the part's threads to end, lets them finish what they owe (a batch to commit, an
    /// attempt in progress), and waits for them until `deadline`. Returns whether every thread
    /// ended. Harmless before `start` and a second time.
    func stop(deadline: ContinuousClock.Instant) -> Bool
}

/// How a part tells the daemon it cannot go on: the reason, once; the daemon logs it, stops
/// every part and exits 1.
public struct ServiceFailure: Sendable {
    private let report: @Sendable (String) -> Void

    public init(_ report: @escaping @Sendable (String) -> Void) {
        self.report = report
    }

    public func callAsFunction(_ reason: String) {
        report(reason)
    }
}
