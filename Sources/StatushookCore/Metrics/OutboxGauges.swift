import PostgresClient
import Prometheus

/// The outbox as gauges, read from the database when `/metrics` is scraped.
enum OutboxGauges {
    /// $1 the configured sinks (text[]). One row per configured sink and per sink with a backlog
    /// (a sink since removed from the configuration still has one). The backlog is what waits:
    /// pending and delivering; its age is that of the oldest delivery, by the database's clock.
    /// The two states are read apart, each through its partial index (deliveries_pending_sink,
    /// deliveries_leases), never through the delivered rows.
    static let sql = """
        WITH waiting AS (
            SELECT sink, created_at FROM deliveries WHERE state = 'pending'
            UNION ALL
            SELECT sink, created_at FROM deliveries WHERE state = 'delivering'),
        backlog AS (
            SELECT sink, count(*) AS depth, extract(epoch FROM now() - min(created_at)) AS oldest_age
              FROM waiting GROUP BY sink),
        named AS (SELECT unnest($1::text[]) AS sink UNION SELECT sink FROM backlog)
        SELECT n.sink, coalesce(b.depth, 0) AS depth, coalesce(b.oldest_age, 0) AS oldest_age,
               coalesce(s.paused, false) AS paused, n.sink = ANY ($1::text[]) AS configured
          FROM named n LEFT JOIN backlog b USING (sink) LEFT JOIN sink_state s USING (sink)
         ORDER BY n.sink
        """

    /// One sink's line of the outbox: `paused` only for a configured sink.
    struct Row: Equatable, Sendable {
        var sink: String
        var depth: Double
        var oldestAge: Double
        var paused: Bool?
    }

    static func read(sinks: [String], on connection: PostgresConnection) throws -> [Row] {
        try connection.query(sql, [sinks.postgresText]).map { row in
            Row(sink: row["sink"] ?? "", depth: row["depth"].flatMap(Double.init) ?? 0,
                oldestAge: row["oldest_age"].flatMap(Double.init) ?? 0,
                paused: try row.decode("configured", as: Bool.self) ? try row.decode("paused", as: Bool.self) : nil)
        }
    }

    /// The rows as gauges in `registry` (one made for this scrape: a sink gone from the outbox and
    /// the configuration leaves no series behind).
    static func register(_ rows: [Row], in registry: PrometheusCollectorRegistry) {
        for row in rows {
            let labels = [("sink", row.sink)]
            registry.makeGauge(descriptor: .named("statushook_outbox_depth", help: "Deliveries waiting (pending or delivering), by sink."),
                               labels: labels).set(to: row.depth)
            registry.makeGauge(descriptor: .named("statushook_outbox_oldest_age_seconds",
                                                  help: "Age of the oldest waiting delivery, by sink (0 when none waits)."),
                               labels: labels).set(to: row.oldestAge)
            if let paused = row.paused {
                registry.makeGauge(descriptor: .named("statushook_sink_paused",
                                                      help: "1 when the sink is paused, else 0, for every configured sink."),
                                   labels: labels).set(to: paused ? 1 : 0)
            }
        }
    }
}
