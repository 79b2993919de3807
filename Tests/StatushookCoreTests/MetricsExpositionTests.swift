import HTTPServer
import Prometheus
import Testing
@testable import StatushookCore

/// The page `StatushookMetrics` writes, read line by line: families and series may come in any
/// order (the Prometheus text format allows it), so the tests look lines up, never compare pages.
struct MetricsPage {
    let lines: [String]

    init(_ metrics: StatushookMetrics) {
        lines = metrics.exposition().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The value of the sample written exactly as `series` (name and labels, in the order given), if any.
    func value(_ series: String) -> Double? {
        let found = lines.filter { $0.hasPrefix(series + " ") }
        guard found.count <= 1 else { return .nan }
        return found.first.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// The sample lines of one family (histograms: `_bucket`, `_sum`, `_count`), in page order.
    func samples(_ family: String) -> [String] {
        lines.filter { !$0.hasPrefix("#") && ($0.hasPrefix(family + " ") || $0.hasPrefix(family + "{") || $0.hasPrefix(family + "_")) }
    }

    func count(_ line: String) -> Int {
        lines.filter { $0 == line }.count
    }
}

@Suite("Metrics: the Prometheus text exposition")
struct MetricsExpositionTests {
    static let families: [(name: String, type: String)] = [
        ("statushook_callbacks_total", "counter"), ("statushook_ingest_latency_seconds", "histogram"),
        ("statushook_deliveries_total", "counter"), ("statushook_retention_deleted_total", "counter"),
        ("statushook_http_limit_breaches_total", "counter"), ("statushook_trusthub_requests_total", "counter"),
    ]

    @Test("every family has one HELP and one TYPE line, before any use and after")
    func everyFamilyDocumentedOnce() {
        let metrics = StatushookMetrics()
        for use in 0..<2 {
            let page = MetricsPage(metrics)
            for family in Self.families {
                #expect(page.lines.filter { $0.hasPrefix("# HELP \(family.name) ") }.count == 1, "\(family.name), use \(use)")
                #expect(page.count("# TYPE \(family.name) \(family.type)") == 1, "\(family.name), use \(use)")
            }
            #expect(page.lines.filter { $0.hasPrefix("# TYPE ") }.count == Self.families.count)
            #expect(page.lines.last == "")
            metrics.deliveryAttempted(sink: "ops", outcome: .delivered(detail: "200"))
            metrics.retentionDeleted(table: "callbacks", count: 3)
            metrics.trusthubRequest(call: "fetch", outcome: "ok")
        }
    }

    @Test("help texts are sentences with nothing the format would escape")
    func helpTexts() {
        let page = MetricsPage(StatushookMetrics())
        let help = page.lines.filter { $0.hasPrefix("# HELP ") }
        #expect(help.count == Self.families.count)
        for line in help {
            #expect(!line.contains("\\") && line.hasSuffix("."), "\(line)")
        }
        #expect(help.contains("# HELP statushook_deliveries_total Delivery attempts by sink and outcome: delivered, transient, permanent, gone."))
    }

    @Test("a counter has one line per series, with its labels in order and a whole number")
    func counter() {
        let metrics = StatushookMetrics()
        #expect(MetricsPage(metrics).samples("statushook_deliveries_total").isEmpty)
        metrics.deliveryAttempted(sink: "web", outcome: .transient(detail: "x", retryAfter: nil))
        metrics.deliveryAttempted(sink: "mail", outcome: .delivered(detail: "200"))
        metrics.deliveryAttempted(sink: "mail", outcome: .delivered(detail: "200"))
        metrics.deliveryAttempted(sink: "web", outcome: .transient(detail: "y", retryAfter: nil))
        metrics.retentionDeleted(table: "callbacks", count: 1000)
        let page = MetricsPage(metrics)
        #expect(Set(page.samples("statushook_deliveries_total")) == [
            "statushook_deliveries_total{sink=\"mail\",outcome=\"delivered\"} 2",
            "statushook_deliveries_total{sink=\"web\",outcome=\"transient\"} 2",
        ])
        #expect(page.samples("statushook_retention_deleted_total") == ["statushook_retention_deleted_total{table=\"callbacks\"} 1000"])
    }

    @Test("the baseline series show at zero before any use")
    func baselineAtZero() {
        let page = MetricsPage(StatushookMetrics())
        let results = StatushookMetrics.baselineResults
        #expect(Set(page.samples("statushook_callbacks_total")) == Set(results.map { "statushook_callbacks_total{result=\"\($0)\"} 0" }))
        #expect(Set(page.samples("statushook_http_limit_breaches_total")) == Set(HTTPLimitBreach.Reason.allCases.map {
            "statushook_http_limit_breaches_total{reason=\"\($0.rawValue)\"} 0"
        }))
        #expect(page.value("statushook_ingest_latency_seconds_count") == 0)
        #expect(page.value("statushook_ingest_latency_seconds_bucket{le=\"+Inf\"}") == 0)
    }

    @Test("label values escape backslash, double quote and line feed")
    func escaping() {
        let metrics = StatushookMetrics()
        metrics.deliveryAttempted(sink: "back\\slash \"quoted\"\nline\r\nend", outcome: .gone(detail: "410"))
        #expect(MetricsPage(metrics).samples("statushook_deliveries_total") == [
            "statushook_deliveries_total{sink=\"back\\\\slash \\\"quoted\\\"\\nline\r\\nend\",outcome=\"gone\"} 1",
        ])
    }

    @Test("the latency histogram: the bounds as configured, cumulative buckets, +Inf equal to _count, then _sum and _count")
    func histogram() {
        let metrics = StatushookMetrics()
        // Binary fractions, so that the sum is exact.
        for seconds in [0.0009765625, 0.001953125, 0.125, 0.75, 3] {
            metrics.callbackAnswered(result: "recorded", seconds: seconds)
        }
        metrics.callbackAnswered(result: "rejected_401", seconds: nil)
        let page = MetricsPage(metrics)
        let name = "statushook_ingest_latency_seconds"
        #expect(page.samples(name) == [
            "\(name)_bucket{le=\"0.001\"} 1", "\(name)_bucket{le=\"0.0025\"} 2", "\(name)_bucket{le=\"0.005\"} 2",
            "\(name)_bucket{le=\"0.01\"} 2", "\(name)_bucket{le=\"0.025\"} 2", "\(name)_bucket{le=\"0.05\"} 2",
            "\(name)_bucket{le=\"0.1\"} 2", "\(name)_bucket{le=\"0.25\"} 3", "\(name)_bucket{le=\"0.5\"} 3",
            "\(name)_bucket{le=\"1.0\"} 4", "\(name)_bucket{le=\"2.5\"} 4", "\(name)_bucket{le=\"+Inf\"} 5",
            "\(name)_sum 3.8779296875", "\(name)_count 5",
        ])
        #expect(page.value("statushook_callbacks_total{result=\"recorded\"}") == 5)
        #expect(page.value("statushook_callbacks_total{result=\"rejected_401\"}") == 1)
    }

    @Test("a result outside the baseline gets its series on first use")
    func unusualResult() {
        let metrics = StatushookMetrics()
        #expect(MetricsPage(metrics).value("statushook_callbacks_total{result=\"status_302\"}") == nil)
        metrics.callbackAnswered(result: "status_302", seconds: 0.01)
        metrics.callbackAnswered(result: "status_302", seconds: nil)
        #expect(MetricsPage(metrics).value("statushook_callbacks_total{result=\"status_302\"}") == 2)
    }

    @Test("the outbox rows become gauges, paused only for a configured sink")
    func outboxGauges() {
        let scrape = PrometheusCollectorRegistry()
        OutboxGauges.register([
            .init(sink: "ops", depth: 3, oldestAge: 12.5, paused: true),
            .init(sink: "retired \"old\"", depth: 1, oldestAge: 0.25, paused: nil),
        ], in: scrape)
        let lines = Set(scrape.emitToString().split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: [
            "# TYPE statushook_outbox_depth gauge", "# TYPE statushook_outbox_oldest_age_seconds gauge",
            "# TYPE statushook_sink_paused gauge",
            "statushook_outbox_depth{sink=\"ops\"} 3.0", "statushook_outbox_depth{sink=\"retired \\\"old\\\"\"} 1.0",
            "statushook_outbox_oldest_age_seconds{sink=\"ops\"} 12.5",
            "statushook_outbox_oldest_age_seconds{sink=\"retired \\\"old\\\"\"} 0.25",
            "statushook_sink_paused{sink=\"ops\"} 1.0",
        ]))
        #expect(lines.filter { $0.hasPrefix("statushook_sink_paused{") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("# HELP ") }.count == 3)
    }

    @Test("counts hold up under many threads at once")
    func concurrentIncrements() async {
        let metrics = StatushookMetrics()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 {
                        metrics.callbackAnswered(result: task % 2 == 0 ? "recorded" : "status_299", seconds: 0.5)
                        metrics.deliveryAttempted(sink: "s\(task % 2)", outcome: .delivered(detail: "200"))
                    }
                }
            }
        }
        let page = MetricsPage(metrics)
        #expect(page.value("statushook_callbacks_total{result=\"recorded\"}") == 4000)
        #expect(page.value("statushook_callbacks_total{result=\"status_299\"}") == 4000)
        #expect(page.value("statushook_deliveries_total{sink=\"s0\",outcome=\"delivered\"}") == 4000)
        #expect(page.value("statushook_deliveries_total{sink=\"s1\",outcome=\"delivered\"}") == 4000)
        #expect(page.value("statushook_ingest_latency_seconds_count") == 8000)
        #expect(page.value("statushook_ingest_latency_seconds_bucket{le=\"0.5\"}") == 8000)
    }
}
