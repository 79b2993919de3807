import Foundation
import HTTPServer
import Logging
import PostgresClient
import Synchronization

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
    /// The outbox's dispatcher and the sinks it was built for; replaced when a reload changes the sinks.
    private let dispatch: Mutex<(dispatcher: Dispatcher, factory: SinkDriverFactory, sinks: [SinkConfiguration])?> = Mutex(nil)
    /// How long SIGTERM waits for requests in flight before the listener stops.
    private let drainTimeout = Duration.seconds(10)

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
    }

    /// Runs until SIGTERM or SIGINT; returns the process exit code.
    public func run() throws -> Int32 {
        // libpq waits this long for a server that does not answer (it reads the environment).
        setenv("PGCONNECT_TIMEOUT", "3", 0)
        let signals = SignalWaiter(blocking: [SIGTERM, SIGINT, SIGHUP])

        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: HTTPServerConfiguration(
                host: configuration.listenHost, port: configuration.listenPort,
                threads: configuration.httpThreads, maxConnections: configuration.maxConnections,
                connectionTimeoutSeconds: Int(configuration.connectionTimeout.components.seconds)), handler: router)
        } catch {
            throw StartupError(description: error.description)
        }
        logger.info("listening", metadata: ["address": "\(configuration.listenHost):\(server.port)",
                                             "callback_path": "\(configuration.callbackPath)"])

        let watch = DatabaseWatch(conninfo: configuration.databaseURL, applyMigrations: options.applyMigrations,
                                  readiness: readiness, logger: logger)
        let failure = FailureSignal()
        let configuration = self.configuration
        let watchThread = Thread { [self, writer, readiness] in
            do {
                try watch.prepare()
                writer.start()
                readiness.writerStarted()
                self.startDispatcher(for: configuration)
                RetentionSweeper(conninfo: configuration.databaseURL, days: configuration.retentionDays, metrics: .shared, logger: self.logger).start()
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
            server.stop(drainTimeout: drainTimeout)
            writer.stop()
            dispatch.withLock { $0 }?.dispatcher.stop()
            if let reason = failure.reason {
                logger.critical("statushook cannot start", metadata: ["error": "\(reason)"])
                return 1
            }
            logger.info("stopped")
            return 0
        }
    }

    private func reload() {
        guard let path = options.configurationPath else {
            logger.notice("SIGHUP: running on the embedded example configuration; nothing to reload")
            return
        }
        do {
            let fresh = try ConfigurationLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
            try router.reload(fresh)
            let current = dispatch.withLock { $0 }
            current?.factory.reopenLogFiles()
            if let current, current.sinks != fresh.sinks {
                current.dispatcher.stop()
                startDispatcher(for: fresh)
            }
            logger.info("configuration reloaded", metadata: ["path": "\(path)"])
        } catch {
            logger.error("configuration not reloaded; keeping the old one", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}

extension Daemon {
    fileprivate func startDispatcher(for configuration: Configuration) {
        let factory = SinkDriverFactory(sinks: configuration.sinks)
        let dispatcher = Dispatcher(conninfo: configuration.databaseURL, sinkNames: configuration.sinks.map(\.name),
                                    schedule: RetrySchedule(delays: configuration.retrySchedule),
                                    sinkPauseAfter: configuration.sinkPauseAfter, logger: logger,
                                    makeDrivers: { factory.make() })
        dispatch.withLock { $0 = (dispatcher, factory, configuration.sinks) }
        dispatcher.start()
    }
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
