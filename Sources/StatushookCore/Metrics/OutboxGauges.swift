import PostgresClient

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

    static func read(sinks: [String], on connection: PostgresConnection) throws -> [MetricFamilySnapshot] {
        let rows = try connection.query(sql, [sinks.postgresText])
        var depth: [MetricSample] = []
        var age: [MetricSample] = []
        var paused: [MetricSample] = []
        for row in rows {
            let sink = row["sink"] ?? ""
            let labels = [MetricSample.Label("sink", sink)]
            depth.append(MetricSample(name: "statushook_outbox_depth", labels: labels,
                                      value: row["depth"].flatMap(Double.init) ?? 0))
            age.append(MetricSample(name: "statushook_outbox_oldest_age_seconds", labels: labels,
                                    value: row["oldest_age"].flatMap(Double.init) ?? 0))
            if try row.decode("configured", as: Bool.self) {
                paused.append(MetricSample(name: "statushook_sink_paused", labels: labels,
                                           value: try row.decode("paused", as: Bool.self) ? 1 : 0))
            }
        }
        return [
            MetricFamilySnapshot(name: "statushook_outbox_depth", help: "Deliveries waiting (pending or delivering), by sink.",
                                 kind: .gauge, samples: depth),
            MetricFamilySnapshot(name: "statushook_outbox_oldest_age_seconds",
                                 help: "Age of the oldest waiting delivery, by sink (0 when none waits).",
                                 kind: .gauge, samples: age),
            MetricFamilySnapshot(name: "statushook_sink_paused", help: "1 when the sink is paused, else 0, for every configured sink.",
                                 kind: .gauge, samples: paused),
        ]
    }
}
