import CoreMetrics
import HTTPServer
import Prometheus

/// The daemon's in-process series: what ingest, the dispatcher and retention count as they work.
///
/// One per process (`shared`): the callback endpoint, which the router builds, and the
/// dispatchers, which a reload replaces, count into it; `/metrics` reads it. Tests make their own,
/// so each instance has a registry of its own and never goes through `MetricsSystem.bootstrap`
/// (once per process, global).
public final class StatushookMetrics: Sendable {
    public static let shared = StatushookMetrics()

    /// From 1 ms (a commit shared with others) to 2.5 s (a database in trouble).
    public static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    /// The results every daemon can give, at zero from the start, so that a rate() has a baseline.
    static let baselineResults = ["recorded", "duplicate", "unchanged", "rejected_400", "rejected_401", "rejected_403",
                                  "rejected_413", "rejected_415", "unavailable", "failed"]

    private let registry = PrometheusCollectorRegistry()

    let callbacks: CounterSeries<String>
    let ingestLatency: CoreMetrics.Recorder
    let deliveries: CounterSeries<LabelPair>
    let retentionDeleted: CounterSeries<String>
    let httpLimitBreaches: CounterSeries<String>
    let trusthubRequests: CounterSeries<LabelPair>

    public init() {
        callbacks = CounterSeries(
            name: "statushook_callbacks_total",
            help: "Callbacks answered, by result: recorded, duplicate, unchanged, rejected_<HTTP status>, unavailable (503), failed (500).",
            labelNames: ["result"], baseline: Self.baselineResults, registry: registry) { [$0] }
        let latency = registry.makeValueHistogram(
            descriptor: .named("statushook_ingest_latency_seconds",
                               help: "Time from a callback's body received to its answer (signature, parsing and the commit)."),
            buckets: Self.latencyBounds)
        ingestLatency = CoreMetrics.Recorder(label: "statushook_ingest_latency_seconds", dimensions: [], aggregate: true,
                                             handler: latency, factory: PrometheusMetricsFactory(registry: registry))
        deliveries = CounterSeries(
            name: "statushook_deliveries_total",
            help: "Delivery attempts by sink and outcome: delivered, transient, permanent, gone.",
            labelNames: ["sink", "outcome"], registry: registry) { [$0.first, $0.second] }
        retentionDeleted = CounterSeries(
            name: "statushook_retention_deleted_total",
            help: "Rows deleted by retention_days, by table.",
            labelNames: ["table"], registry: registry) { [$0] }
        httpLimitBreaches = CounterSeries(
            name: "statushook_http_limit_breaches_total",
            help: "Clients stopped by a listener limit, by reason: request_timeout and body_too_large (connection closed), headers_too_large (answered 431).",
            labelNames: ["reason"], baseline: HTTPLimitBreach.Reason.allCases.map(\.rawValue), registry: registry) { [$0] }
        trusthubRequests = CounterSeries(
            name: "statushook_trusthub_requests_total",
            help: "Calls to the TrustHub REST API by call (fetch, list, update) and outcome: ok, unauthorized, rate_limited, unavailable, not_found, refused, transport, malformed.",
            labelNames: ["call", "outcome"], registry: registry) { [$0.first, $0.second] }
    }

    /// Counts one answered callback; `seconds` is its latency when its body was read.
    public func callbackAnswered(result: String, seconds: Double?) {
        callbacks.increment(result)
        if let seconds { ingestLatency.record(seconds) }
    }

    public func deliveryAttempted(sink: String, outcome: AttemptOutcome) {
        deliveries.increment(LabelPair(sink, outcome.name))
    }

    public func httpLimitBreached(_ reason: HTTPLimitBreach.Reason) {
        httpLimitBreaches.increment(reason.rawValue)
    }

    public func trusthubRequest(call: String, outcome: String) {
        trusthubRequests.increment(LabelPair(call, outcome))
    }

    public func retentionDeleted(table: String, count: Int) {
        retentionDeleted.increment(table, by: count)
    }

    /// Appends every in-process family in Prometheus text to `buffer`.
    ///
    /// The registry shows a family once it has a series; until then (no delivery yet, say) the
    /// family's HELP and TYPE stand alone, so that a scrape documents every family from the start.
    /// `hasSeries` is read after the registry wrote its part: a series made in between is not on this
    /// page, and its family is not written twice.
    public func emit(into buffer: inout [UInt8]) {
        registry.emit(into: &buffer)
        for family in [deliveries, trusthubRequests] where !family.hasSeries {
            Self.appendHeader(name: family.name, help: family.help, into: &buffer)
        }
        if !retentionDeleted.hasSeries {
            Self.appendHeader(name: retentionDeleted.name, help: retentionDeleted.help, into: &buffer)
        }
    }

    /// The page as text (for tests and logs).
    public func exposition() -> String {
        var buffer: [UInt8] = []
        emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// HELP and TYPE of a counter family with no series yet. The help texts are this file's own
    /// constants, with nothing the format would escape (`MetricsExpositionTests` checks).
    private static func appendHeader(name: String, help: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) counter\n".utf8)
    }
}

/// Two label values as one dictionary key, without an array to allocate per count.
struct LabelPair: Hashable, Sendable {
    var first: String
    var second: String

    init(_ first: String, _ second: String) {
        self.first = first
        self.second = second
    }
}
