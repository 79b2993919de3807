import HTTPServer
import Logging
import PostgresClient
import Locking

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
        var families = metrics.snapshot()
        var databaseUp = 1.0
        let sinks = self.sinks.withLock { $0 }
        do {
            families += try pool.withConnection { try OutboxGauges.read(sinks: sinks, on: $0) }
        } catch {
            databaseUp = 0
            logger.debug("metrics without the outbox: database unavailable", metadata: ["error": "\(error)"])
        }
        families.append(MetricFamilySnapshot(
            name: "statushook_database_up", help: "1 when this scrape could read the database, else 0.",
            kind: .gauge, samples: [MetricSample(name: "statushook_database_up", value: databaseUp)]))
        return HTTPResponse(status: 200, headers: [("Content-Type", PrometheusText.contentType)],
                            body: Array(PrometheusText.render(families).utf8))
    }
}
