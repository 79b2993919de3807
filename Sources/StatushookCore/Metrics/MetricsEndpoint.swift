import HTTPServer
import Logging
import PostgresClient
import Locking
import Prometheus

/// `GET /metrics`: the in-process series, then the outbox read from the database at scrape time.
///
/// Runs on the router's reader threads. Without a database the page is still a 200, with
/// `statushook_database_up 0` and no outbox gauges, so that a scrape tells the two apart.
/// Unauthenticated, like `/healthz` and `/readyz`: it holds counts, never content.
/// The sink list (outbox gauges per sink) follows a SIGHUP.
public final class MetricsEndpoint: ReadEndpoint, ReloadableEndpoint {
    private let metrics: StatushookMetrics
    private let pool: PostgresPool
    private let sinks: Locked<[String]>
    private let logger: Logger

    public init(metrics: StatushookMetrics, pool: PostgresPool, sinks: [String], logger: Logger) {
        self.metrics = metrics
        self.pool = pool
        self.sinks = Locked(sinks)
        self.logger = logger
    }

    public func prepareReload(_ configuration: Configuration) throws -> @Sendable () -> Void {
        let fresh = configuration.sinks.map(\.name)
        return { [self] in self.sinks.withLock { $0 = fresh } }
    }

    public func check(_ head: HTTPRequestHead) -> HTTPResponse? {
        nil
    }

    public func respond(to head: HTTPRequestHead) -> HTTPResponse {
        var body: [UInt8] = []
        metrics.emit(into: &body)
        // What is read at scrape time goes into a registry of this scrape's own.
        let scrape = PrometheusCollectorRegistry()
        var databaseUp = 1.0
        let sinks = self.sinks.withLock { $0 }
        do {
            OutboxGauges.register(try pool.withConnection { try OutboxGauges.read(sinks: sinks, on: $0) }, in: scrape)
        } catch {
            databaseUp = 0
            logger.debug("metrics without the outbox: database unavailable", metadata: ["error": "\(error)"])
        }
        scrape.makeGauge(descriptor: .named("statushook_database_up", help: "1 when this scrape could read the database, else 0."))
            .set(to: databaseUp)
        scrape.emit(into: &body)
        return HTTPResponse(status: 200, headers: [("Content-Type", Self.contentType)], body: body)
    }

    /// The Prometheus text exposition format, the one `PrometheusCollectorRegistry.emit` writes.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
