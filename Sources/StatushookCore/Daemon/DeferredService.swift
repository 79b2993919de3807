import Locking

/// A part that needs the database's schema (the dispatcher, retention, the reconciler): the
/// daemon starts it in its place in the order, and it starts the part itself once the database
/// watch says the schema is current; a stop that comes first means it never starts.
final class DeferredService: BackgroundService {
    private struct State {
        /// Set by `start`: the daemon wants the part running.
        var failure: ServiceFailure?
        var databaseReady = false
        var started = false
        var stopping = false
    }

    private let part: any BackgroundService
    private let state = Locked(State())

    init(_ part: any BackgroundService) {
        self.part = part
    }

    var serviceName: String { part.serviceName }

    func start(failure: ServiceFailure) throws {
        try state.withLock { state in
            state.failure = failure
            try startIfDue(&state)
        }
    }

    /// Called once by the database watch, on its thread.
    func databaseReady() throws {
        try state.withLock { state in
            state.databaseReady = true
            try startIfDue(&state)
        }
    }

    func stop(deadline: ContinuousClock.Instant) -> Bool {
        let started = state.withLock { state in
            state.stopping = true
            return state.started
        }
        return started ? part.stop(deadline: deadline) : true
    }

    /// Under the lock, so that a stop either comes before (and the part never starts) or after.
    private func startIfDue(_ state: inout State) throws {
        guard let failure = state.failure, state.databaseReady, !state.started, !state.stopping else { return }
        try part.start(failure: failure)
        state.started = true
    }
}
