import HTTPServer
import Locking
import Logging

/// The HTTP server and the router's reader threads, as one part of the daemon.
final class HTTPListener: BackgroundService {
    private let configuration: HTTPServerConfiguration
    private let router: Router
    private let callbackPath: String
    private let logger: Logger
    /// How long a stop waits for the requests in flight before the listener closes.
    let drainTimeout: Duration
    /// Set by `start`, read by `stop` (both on the main thread, but a stop may follow a start
    /// that failed half-way).
    private let server = Locked<HTTPServer?>(nil)

    init(configuration: HTTPServerConfiguration, router: Router, callbackPath: String, drainTimeout: Duration,
         logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.callbackPath = callbackPath
        self.drainTimeout = drainTimeout
        self.logger = logger
    }

    var serviceName: String { "HTTP listener" }

    func start(failure: ServiceFailure) throws {
        let started: HTTPServer
        do {
            started = try HTTPServer(configuration: configuration, handler: router)
        } catch {
            throw Daemon.StartupError(description: error.description)
        }
        server.withLock { $0 = started }
        // A read that comes before they run waits in their queue.
        router.startReaders()
        logger.info("listening", metadata: ["address": "\(configuration.host):\(started.port)",
                                             "callback_path": "\(callbackPath)"])
    }

    /// No new connections, the requests in flight answered (up to `drainTimeout`, and no later
    /// than `deadline`), then the reader threads end once what they were given is answered.
    func stop(deadline: ContinuousClock.Instant) -> Bool {
        if let running = server.withLock({ $0 }) {
            running.stop(drainTimeout: min(drainTimeout, max(deadline - .now, .zero)))
        }
        return router.stopReaders(deadline: deadline)
    }
}
