import HTTPServer

/// The daemon's in-process series: what ingest, the dispatcher and retention count as they work.
///
/// One per process (`shared`): the callback endpoint, which the router builds, and the
/// dispatchers, which a reload replaces, count into it; `/metrics` reads it. Tests make their own.
public final class StatushookMetrics: Sendable {
    public static let shared = StatushookMetrics()

    /// From 1 ms (a commit shared with others) to 2.5 s (a database in trouble).
    public static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    let callbacks = CounterFamily(
        name: "statushook_callbacks_total",
        help: "Callbacks answered, by result: recorded, duplicate, unchanged, rejected_<HTTP status>, unavailable (503), failed (500).",
        labelNames: ["result"])
    let ingestLatency = HistogramFamily(
        name: "statushook_ingest_latency_seconds",
        help: "Time from a callback's body received to its answer (signature, parsing and the commit).",
        bounds: latencyBounds)
    let deliveries = CounterFamily(
        name: "statushook_deliveries_total",
        help: "Delivery attempts by sink and outcome: delivered, transient, permanent, gone.",
        labelNames: ["sink", "outcome"])
    let retentionDeleted = CounterFamily(
        name: "statushook_retention_deleted_total",
        help: "Rows deleted by retention_days, by table.",
        labelNames: ["table"])

    let httpLimitBreaches = CounterFamily(
        name: "statushook_http_limit_breaches_total",
        help: "Clients stopped by a listener limit, by reason: request_timeout and body_too_large (connection closed), headers_too_large (answered 431).",
        labelNames: ["reason"])

    let trusthubRequests = CounterFamily(
        name: "statushook_trusthub_requests_total",
        help: "Calls to the TrustHub REST API by call (fetch, list, update) and outcome: ok, unauthorized, rate_limited, unavailable, not_found, refused, transport, malformed.",
        labelNames: ["call", "outcome"])

    public init() {
        // Results every daemon can give, at zero from the start, so that a rate() has a baseline.
        for result in ["recorded", "duplicate", "unchanged", "rejected_400", "rejected_401", "rejected_403",
                       "rejected_413", "rejected_415", "unavailable", "failed"] {
            callbacks.increment([result], by: 0)
        }
        for reason in HTTPLimitBreach.Reason.allCases {
            httpLimitBreaches.increment([reason.rawValue], by: 0)
        }
    }

    /// Counts one answered callback; `seconds` is its latency when its body was read.
    public func callbackAnswered(result: String, seconds: Double?) {
        callbacks.increment([result])
        if let seconds { ingestLatency.observe(seconds) }
    }

    public func deliveryAttempted(sink: String, outcome: AttemptOutcome) {
        deliveries.increment([sink, outcome.name])
    }

    public func httpLimitBreached(_ reason: HTTPLimitBreach.Reason) {
        httpLimitBreaches.increment([reason.rawValue])
    }

    public func trusthubRequest(call: String, outcome: String) {
        trusthubRequests.increment([call, outcome])
    }

    public func retentionDeleted(table: String, count: Int) {
        retentionDeleted.increment([table], by: Double(count))
    }

    /// Every in-process family, in a fixed order.
    public func snapshot() -> [MetricFamilySnapshot] {
        [callbacks.snapshot(), ingestLatency.snapshot(), deliveries.snapshot(), retentionDeleted.snapshot(),
         httpLimitBreaches.snapshot(), trusthubRequests.snapshot()]
    }
}
