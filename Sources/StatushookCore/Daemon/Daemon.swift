import Foundation
import HTTPServer
import Logging
import PostgresClient
import Locking

/// `statushook serve`: every part of the daemon (``BackgroundService``), started in order and
/// stopped in reverse order when a signal says stop.
///
/// The order is what each part needs: the ingest writer before the listener that feeds it; the
/// database watch before the parts that need the schema (they start once it is current); the
/// listener last, so that a stop first closes it and answers the requests in flight while the
/// writer still records them, and every thread the daemon started has ended before it exits.
public final class Daemon: Sendable {
    public struct Options: Sendable {
        public var configurationPath: String?
        public var applyMigrations: Bool

        public init(configurationPath: String?, applyMigrations: Bool) {
            self.configurationPath = configurationPath
            self.applyMigrations = applyMigrations
        }
    }

    public struct StartupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// How long a stop waits for the requests in flight before the listener closes.
    static let drainTimeout = Duration.seconds(10)
    /// How long a stop waits for delivery attempts in progress (each bounded by its sink's timeout).
    static let dispatcherStopTimeout = Duration.seconds(20)
    /// Every other part: a batch to commit, a statement or a request to end. With the two above,
    /// a stop takes at most 52 s, under the systemd unit's 60 s before SIGKILL.
    static let partStopTimeout = Duration.seconds(5)

    private let configuration: Configuration
    private let options: Options
    private let logger: Logger
    private let readiness = Readiness()
    private let writer: IngestWriter
    private let router: Router
    private let retention: RetentionSweeper
    private let dispatcher: ReloadableDispatcher
    /// The TrustHub API's reconciler; nil without API credentials or `reconcile_interval`.
    private let reconciler: Reconciler?
    /// The parts started so far, in order, each with how long its stop may take; and whether a
    /// stop began (after which nothing more starts).
    private let parts = Locked<(started: [(part: any BackgroundService, stopTimeout: Duration)], stopping: Bool)>(([], false))
    /// Why a part could not go on, if one could not.
    private let failureReason = Locked<String?>(nil)

    public init(configuration: Configuration, options: Options, logger: Logger) throws {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        let pressure = IngestPressure()
        let doorbell = OutboxDoorbell()
        writer = IngestWriter(database: configuration.database, lanes: configuration.ingestWriters, commitTimeout: configuration.commitTimeout,
                              readiness: readiness, pressure: pressure, doorbell: doorbell, logger: logger)
        // Connections for the read endpoints, used on the router's reader threads.
        let readPool = configuration.makeReadPool(maxConnections: 4)
        let readRoutes = [
            ReadRoute(.prefix("/v1/"), try HistoryAPI(configuration: configuration, pool: readPool, logger: logger)),
            ReadRoute(.exact("/metrics"), MetricsEndpoint(metrics: .shared, pool: readPool,
                                                           sinks: configuration.sinks.map(\.name), logger: logger)),
            ReadRoute(.prefix("/ui/"), OperatorPageEndpoint(configuration: configuration, pool: readPool, readiness: readiness, logger: logger)),
        ]
        router = try Router(configuration: configuration, writer: writer, readiness: readiness,
                            readRoutes: readRoutes, logger: logger)
        retention = RetentionSweeper(database: configuration.database, days: configuration.retentionDays,
                                     metrics: .shared, logger: logger)
        var enricher: ProfileEnricher?
        if let trustHub = TrustHubSettings(configuration) {
            let health = TrustHubHealth(report: { [readiness] detail in readiness.note("trusthub", detail) })
            enricher = ProfileEnricher(settings: trustHub, database: configuration.database, health: health, logger: logger)
            reconciler = trustHub.reconcileInterval.map { interval in
                Reconciler(settings: trustHub, interval: interval, database: configuration.database,
                           sinks: configuration.sinks, health: health, logger: logger)
            }
        } else {
            reconciler = nil
        }
        dispatcher = ReloadableDispatcher(configuration: configuration, replaceTimeout: Self.dispatcherStopTimeout) {
            [enricher, pressure, doorbell, logger] configuration in
            Self.makeDispatcher(for: configuration, enricher: enricher, pressure: pressure, doorbell: doorbell, logger: logger)
        }
    }

    /// Runs until SIGTERM or SIGINT; returns the process exit code.
    public func run() throws -> Int32 {
        let signals = SignalWaiter(blocking: [SIGTERM, SIGINT, SIGHUP])
        let threadsAtStart = ProcessThreads.count()
        logger.info("starting", metadata: ["threads": "\(threadsAtStart.map(String.init) ?? "unknown")"])

        let failure = ServiceFailure { [failureReason] reason in
            failureReason.withLock { $0 = $0 ?? reason }
            // The main thread waits for signals: this one makes it stop everything.
            kill(getpid(), SIGTERM)
        }
        // In this order, each with how long its stop may take.
        var needSchema: [(part: DeferredService, stopTimeout: Duration)] = [
            (DeferredService(dispatcher), Self.dispatcherStopTimeout),
            (DeferredService(retention), Self.partStopTimeout),
        ]
        if let reconciler { needSchema.append((DeferredService(reconciler), Self.partStopTimeout)) }
        let watch = DatabaseWatch(database: configuration.database, replica: configuration.readDatabase,
                                  applyMigrations: options.applyMigrations,
                                  readiness: readiness, logger: logger) { [readiness, logger, needSchema] in
            readiness.writerStarted()
            for (part, _) in needSchema {
                do {
                    try part.databaseReady()
                } catch {
                    logger.error("\(part.serviceName) did not start", metadata: ["error": "\(error)"])
                    failure("\(part.serviceName) did not start: \(error)")
                }
            }
        }
        let listener = HTTPListener(configuration: HTTPServerConfiguration(configuration, logger: logger, metrics: .shared),
                                    router: router, callbackPath: configuration.callbackPath,
                                    drainTimeout: Self.drainTimeout, logger: logger)

        do {
            try start(writer, stopTimeout: Self.partStopTimeout, failure: failure)
            try start(watch, stopTimeout: Self.partStopTimeout, failure: failure)
            for (part, stopTimeout) in needSchema {
                try start(part, stopTimeout: stopTimeout, failure: failure)
            }
            // The reader threads end after the listener has drained: a little more than its drain.
            try start(listener, stopTimeout: Self.drainTimeout + .seconds(2), failure: failure)
        } catch {
            stopAll()
            throw error
        }

        while true {
            let signal = signals.next()
            if signal == SIGHUP {
                reload()
                continue
            }
            logger.info("stopping", metadata: ["signal": "\(signal)"])
            stopAll()
            if let reason = failureReason.withLock({ $0 }) {
                logger.critical("statushook cannot start", metadata: ["error": "\(reason)"])
                return 1
            }
            logExit(threadsAtStart: threadsAtStart)
            return 0
        }
    }

    private func start(_ part: any BackgroundService, stopTimeout: Duration, failure: ServiceFailure) throws {
        try parts.withLock { parts in
            guard !parts.stopping else { return }
            try part.start(failure: failure)
            parts.started.append((part, stopTimeout))
        }
    }

    /// Stops every part started, last first; a part that does not end in time is named and left
    /// behind (the process ends it by exiting).
    private func stopAll() {
        let started = parts.withLock { parts in
            parts.stopping = true
            return parts.started
        }
        let clock = ContinuousClock()
        for (part, timeout) in started.reversed() {
            let began = clock.now
            if part.stop(deadline: began + timeout) {
                logger.debug("stopped", metadata: ["part": "\(part.serviceName)", "duration": "\(clock.now - began)"])
            } else {
                logger.error("\(part.serviceName) did not stop in time; exiting without waiting for it",
                             metadata: ["part": "\(part.serviceName)", "timeout": "\(timeout)"])
            }
        }
    }

    /// The last line: how many threads are left (a thread that has returned leaves the kernel's
    /// list a moment later, hence the short wait); any beyond those at start are named.
    private func logExit(threadsAtStart: Int?) {
        var metadata: Logger.Metadata = [:]
        if let threadsAtStart, let left = ProcessThreads.settle(to: threadsAtStart, timeout: .seconds(1)) {
            metadata["threads"] = "\(left)"
            metadata["threads_at_start"] = "\(threadsAtStart)"
            if left > threadsAtStart {
                logger.warning("threads still running at exit", metadata: ["names": "\(ProcessThreads.names())"])
            }
        }
        logger.info("stopped", metadata: metadata)
    }

    /// SIGHUP. Everything the new file means is validated before anything is applied, so a bad
    /// file (or one whose policy, proxies or credentials do not build) keeps the whole old configuration.
    private func reload() {
        guard let path = options.configurationPath else {
            logger.notice("SIGHUP: running on the embedded example configuration; nothing to reload")
            return
        }
        let fresh: Configuration
        let applyEndpoints: @Sendable () -> Void
        do {
            fresh = try ConfigurationLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
            applyEndpoints = try router.prepareReload(fresh)
        } catch {
            logger.error("configuration not reloaded; keeping the old one", metadata: ["path": "\(path)", "error": "\(error)"])
            return
        }
        for key in Self.restartOnlyChanges(running: configuration, fresh: fresh) {
            logger.warning("configuration: \(key) changed; it needs a restart to take effect (the running value is kept)",
                           metadata: ["path": "\(path)", "key": "\(key)"])
        }
        let effective = Self.reloadable(fresh, running: configuration)
        applyEndpoints()
        retention.reload(days: effective.retentionDays)
        dispatcher.reload(effective, logger: logger)
        logger.info("configuration reloaded", metadata: ["path": "\(path)"])
    }

    /// The dispatcher and the sinks' drivers, built but not started.
    private static func makeDispatcher(for configuration: Configuration, enricher: ProfileEnricher?,
                                       pressure: IngestPressure, doorbell: OutboxDoorbell,
                                       logger: Logger) -> (Dispatcher, SinkDriverFactory) {
        let factory = SinkDriverFactory(sinks: configuration.sinks)
        var prepareClaims: (@Sendable ([ClaimedDelivery]) -> [ClaimedDelivery])?
        if let enricher {
            prepareClaims = { claims in enricher.prepare(claims) }
        }
        var settings = Dispatcher.Settings()
        settings.burstRate = configuration.burstRate
        let dispatcher = Dispatcher(database: configuration.database, sinkNames: configuration.sinks.map(\.name),
                                    schedule: RetrySchedule(delays: configuration.retrySchedule),
                                    sinkPauseAfter: configuration.sinkPauseAfter, settings: settings,
                                    pressure: pressure, doorbell: doorbell, logger: logger,
                                    prepareClaims: prepareClaims,
                                    makeDrivers: { factory.make() })
        return (dispatcher, factory)
    }
}
