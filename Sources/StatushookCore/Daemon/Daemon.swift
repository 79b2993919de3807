import Foundation
import HTTPServer
import Logging
import PostgresClient
import Locking

/// `statushook serve`: the HTTP listener, the ingest writer and the database watch, until a
/// signal says stop.
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

    private let configuration: Configuration
    private let options: Options
    private let logger: Logger
    private let readiness = Readiness()
    private let writer: IngestWriter
    private let router: Router
    private let retention: RetentionSweeper
    /// The TrustHub API's enrichment of claimed transitions and the reconciler; nil without
    /// API credentials (and the reconciler without `reconcile_interval`).
    private let enricher: ProfileEnricher?
    private let reconciler: Reconciler?
    /// The configuration in effect (the last good reload) and the outbox's dispatcher with the
    /// factory it was built with; the dispatcher is replaced when a reload changes what it was built from.
    private let state: Locked<DispatchState>
    /// How long SIGTERM waits for requests in flight before the listener stops.
    private let drainTimeout = Duration.seconds(10)
    /// How long SIGTERM waits for delivery attempts in progress (each bounded by its sink's timeout).
    private let dispatcherStopTimeout = Duration.seconds(20)

    public init(configuration: Configuration, options: Options, logger: Logger) throws {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        writer = IngestWriter(conninfo: configuration.databaseURL, readiness: readiness, logger: logger)
        // Connections for the read endpoints, used on the router's reader threads.
        let readPool = PostgresPool(conninfo: configuration.databaseURL, maxConnections: 4)
        let readRoutes = [
            ReadRoute(.prefix("/v1/"), try HistoryAPI(configuration: configuration, pool: readPool, logger: logger)),
            ReadRoute(.exact("/metrics"), MetricsEndpoint(metrics: .shared, pool: readPool,
                                                           sinks: configuration.sinks.map(\.name), logger: logger)),
        ]
        _ = readPool
        router = try Router(configuration: configuration, writer: writer, readiness: readiness,
                            readRoutes: readRoutes, logger: logger)
        retention = RetentionSweeper(conninfo: configuration.databaseURL, days: configuration.retentionDays,
                                     metrics: .shared, logger: logger)
        state = Locked(DispatchState(configuration: configuration))
        if let trustHub = TrustHubSettings(configuration) {
            let health = TrustHubHealth(report: { [readiness] detail in readiness.note("trusthub", detail) })
            enricher = ProfileEnricher(settings: trustHub, conninfo: configuration.databaseURL, health: health, logger: logger)
            reconciler = trustHub.reconcileInterval.map { interval in
                Reconciler(settings: trustHub, interval: interval, conninfo: configuration.databaseURL,
                           sinks: configuration.sinks, health: health, logger: logger)
            }
        } else {
            enricher = nil
            reconciler = nil
        }
    }

    /// Runs until SIGTERM or SIGINT; returns the process exit code.
    public func run() throws -> Int32 {
        // libpq waits this long for a server that does not answer (it reads the environment).
        setenv("PGCONNECT_TIMEOUT", "3", 0)
        let signals = SignalWaiter(blocking: [SIGTERM, SIGINT, SIGHUP])

        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: HTTPServerConfiguration(configuration, logger: logger, metrics: .shared),
                                    handler: router)
        } catch {
            throw StartupError(description: error.description)
        }
        logger.info("listening", metadata: ["address": "\(configuration.listenHost):\(server.port)",
                                             "callback_path": "\(configuration.callbackPath)"])

        let watch = DatabaseWatch(conninfo: configuration.databaseURL, applyMigrations: options.applyMigrations,
                                  readiness: readiness, logger: logger)
        let failure = FailureSignal()
        let watchThread = Thread { [self, writer, readiness] in
            do {
                try watch.prepare()
                writer.start()
                readiness.writerStarted()
                self.startFirstDispatcher()
                self.retention.start()
                self.reconciler?.start()
                watch.monitor()
            } catch {
                failure.fail("\(error)")
                kill(getpid(), SIGTERM)
            }
        }
        watchThread.name = "database-watch"
        watchThread.start()

        while true {
            let signal = signals.next()
            if signal == SIGHUP {
                reload()
                continue
            }
            logger.info("stopping", metadata: ["signal": "\(signal)"])
            // In this order: no new connections, and the requests in flight answered (their
            // callbacks committed by the writer, still running); then the writer; then the
            // dispatcher, which finishes the attempts in progress and releases its other leases.
            // The retention thread holds nothing and ends with the process.
            server.stop(drainTimeout: drainTimeout)
            writer.stop()
            let dispatcher = state.withLock { state in
                state.stopping = true
                return state.dispatcher
            }
            dispatcher?.stop(timeout: dispatcherStopTimeout)
            reconciler?.stop()
            if let reason = failure.reason {
                logger.critical("statushook cannot start", metadata: ["error": "\(reason)"])
                return 1
            }
            logger.info("stopped")
            return 0
        }
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
        let running = configuration
        for key in Self.restartOnlyChanges(running: running, fresh: fresh) {
            logger.warning("configuration: \(key) changed; it needs a restart to take effect (the running value is kept)",
                           metadata: ["path": "\(path)", "key": "\(key)"])
        }
        // What the process can take without a restart; the rest stays as it started.
        var effective = fresh
        effective.listenHost = running.listenHost
        effective.listenPort = running.listenPort
        effective.databaseURL = running.databaseURL
        effective.httpThreads = running.httpThreads
        effective.maxConnections = running.maxConnections
        effective.connectionTimeout = running.connectionTimeout
        effective.maxHeaderBytes = running.maxHeaderBytes
        effective.logLevel = running.logLevel
        effective.logFormat = running.logFormat

        applyEndpoints()
        retention.reload(days: effective.retentionDays)
        let (factory, replaced, replacement) = state.withLock { state -> (SinkDriverFactory?, Dispatcher?, Dispatcher?) in
            let previous = state.configuration
            state.configuration = effective
            guard let current = state.dispatcher, !state.stopping else { return (nil, nil, nil) }
            guard Self.dispatcherChanged(previous, effective) else { return (state.factory, nil, nil) }
            let (dispatcher, factory) = makeDispatcher(for: effective)
            state.dispatcher = dispatcher
            state.factory = factory
            return (nil, current, dispatcher)
        }
        factory?.reopenLogFiles()
        if let replaced, let replacement {
            replaced.stop(timeout: dispatcherStopTimeout)
            replacement.start()
        }
        logger.info("configuration reloaded", metadata: ["path": "\(path)"])
    }

    /// The keys that differ between the two and only take effect at start.
    static func restartOnlyChanges(running: Configuration, fresh: Configuration) -> [String] {
        var keys: [String] = []
        if running.listenHost != fresh.listenHost || running.listenPort != fresh.listenPort { keys.append("listen") }
        if running.databaseURL != fresh.databaseURL { keys.append("database_url") }
        if running.httpThreads != fresh.httpThreads { keys.append("http_threads") }
        if running.maxConnections != fresh.maxConnections { keys.append("max_connections") }
        if running.connectionTimeout != fresh.connectionTimeout { keys.append("connection_timeout") }
        if running.maxHeaderBytes != fresh.maxHeaderBytes { keys.append("max_header_bytes") }
        if running.logLevel != fresh.logLevel { keys.append("log_level") }
        if running.logFormat != fresh.logFormat { keys.append("log_format") }
        if TrustHubSettings(running) != TrustHubSettings(fresh) { keys.append("the TrustHub API keys (twilio_*, reconcile_interval)") }
        return keys
    }

    /// Whether the dispatcher must be rebuilt: it holds the sinks, the retry schedule and the pause threshold.
    private static func dispatcherChanged(_ old: Configuration, _ new: Configuration) -> Bool {
        old.sinks != new.sinks || old.retrySchedule != new.retrySchedule || old.sinkPauseAfter != new.sinkPauseAfter
    }
}

extension Daemon {
    /// The dispatcher and the sinks' drivers, built but not started.
    fileprivate func makeDispatcher(for configuration: Configuration) -> (Dispatcher, SinkDriverFactory) {
        let factory = SinkDriverFactory(sinks: configuration.sinks)
        var prepareClaims: (@Sendable ([ClaimedDelivery]) -> [ClaimedDelivery])?
        if let enricher {
            prepareClaims = { claims in enricher.prepare(claims) }
        }
        let dispatcher = Dispatcher(conninfo: configuration.databaseURL, sinkNames: configuration.sinks.map(\.name),
                                    schedule: RetrySchedule(delays: configuration.retrySchedule),
                                    sinkPauseAfter: configuration.sinkPauseAfter, logger: logger,
                                    prepareClaims: prepareClaims,
                                    makeDrivers: { factory.make() })
        return (dispatcher, factory)
    }

    /// Once the database is ready: the dispatcher for the configuration in effect, unless stopping.
    fileprivate func startFirstDispatcher() {
        state.withLock { state in
            guard !state.stopping, state.dispatcher == nil else { return }
            let (dispatcher, factory) = makeDispatcher(for: state.configuration)
            state.dispatcher = dispatcher
            state.factory = factory
            dispatcher.start()
        }
    }
}

/// What `Daemon.state` guards.
private struct DispatchState: Sendable {
    var configuration: Configuration
    var dispatcher: Dispatcher?
    var factory: SinkDriverFactory?
    var stopping = false
}

/// Why the daemon is stopping on its own, if it is.
private final class FailureSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?

    func fail(_ reason: String) {
        lock.withLock { stored = reason }
    }

    var reason: String? {
        lock.withLock { stored }
    }
}
