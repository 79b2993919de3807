import Locking
import Logging

/// The outbox's dispatcher as one part of the daemon: built from the configuration in effect,
/// and replaced when a reload changes what it was built from (the sinks, the retry schedule,
/// the pause threshold).
final class ReloadableDispatcher: BackgroundService {
    private struct State {
        /// The configuration in effect: the last good reload.
        var configuration: Configuration
        var dispatcher: Dispatcher?
        /// The drivers' factory the dispatcher was built with (its log files reopen on SIGHUP).
        var factory: SinkDriverFactory?
        var stopping = false
        /// The daemon's, from `start`: a replacement reports to it too.
        var failure: ServiceFailure?
    }

    private let state: Locked<State>
    private let build: @Sendable (Configuration) -> (Dispatcher, SinkDriverFactory)
    /// How long a reload waits for the replaced dispatcher's attempts in progress.
    private let replaceTimeout: Duration

    init(configuration: Configuration, replaceTimeout: Duration,
         build: @escaping @Sendable (Configuration) -> (Dispatcher, SinkDriverFactory)) {
        state = Locked(State(configuration: configuration))
        self.build = build
        self.replaceTimeout = replaceTimeout
    }

    var serviceName: String { "dispatcher" }

    /// Builds and starts the dispatcher for the configuration in effect, unless stopping.
    func start(failure: ServiceFailure) {
        state.withLock { state in
            guard !state.stopping, state.dispatcher == nil else { return }
            state.failure = failure
            let (dispatcher, factory) = build(state.configuration)
            state.dispatcher = dispatcher
            state.factory = factory
            dispatcher.start(failure: failure)
        }
    }

    func stop(deadline: ContinuousClock.Instant) -> Bool {
        let dispatcher = state.withLock { state in
            state.stopping = true
            return state.dispatcher
        }
        return dispatcher?.stop(deadline: deadline) ?? true
    }

    /// Takes `configuration` (already validated): a new dispatcher when it changes what the
    /// running one was built from, else the log sinks' files reopened (logrotate).
    func reload(_ configuration: Configuration, logger: Logger) {
        let (factory, replaced, replacement, failure) = state.withLock { state -> (SinkDriverFactory?, Dispatcher?, Dispatcher?, ServiceFailure?) in
            let previous = state.configuration
            state.configuration = configuration
            guard let current = state.dispatcher, !state.stopping else { return (nil, nil, nil, nil) }
            guard Self.changed(previous, configuration) else { return (state.factory, nil, nil, nil) }
            let (dispatcher, factory) = build(configuration)
            state.dispatcher = dispatcher
            state.factory = factory
            return (nil, current, dispatcher, state.failure)
        }
        factory?.reopenLogFiles()
        if let replaced, let replacement {
            if !replaced.stop(deadline: .now + replaceTimeout) {
                logger.error("the replaced dispatcher's threads did not end in time", metadata: ["timeout": "\(replaceTimeout)"])
            }
            replacement.start(failure: failure ?? ServiceFailure { _ in })
        }
    }

    /// Whether the dispatcher must be rebuilt: it holds the sinks, the retry schedule, the pause
    /// threshold and the burst rate.
    private static func changed(_ old: Configuration, _ new: Configuration) -> Bool {
        old.sinks != new.sinks || old.retrySchedule != new.retrySchedule || old.sinkPauseAfter != new.sinkPauseAfter
            || old.burstRate != new.burstRate
    }
}
