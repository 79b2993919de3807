import HTTPServer
import Testing
@testable import StatushookCore

@Suite("Metrics: what the daemon counts")
struct MetricsCallbackResultTests {
    @Test("a callback's result label is the writer's word for a 200, else a word per status")
    func resultLabels() {
        #expect(MeteredResponder.result(status: 200, outcome: .recorded(transitionID: 7)) == "recorded")
        #expect(MeteredResponder.result(status: 200, outcome: .unchanged) == "unchanged")
        #expect(MeteredResponder.result(status: 200, outcome: .duplicate) == "duplicate")
        #expect(MeteredResponder.result(status: 503, outcome: .unavailable("down")) == "unavailable")
        #expect(MeteredResponder.result(status: 503, outcome: nil) == "unavailable")
        #expect(MeteredResponder.result(status: 500, outcome: .failed("bad")) == "failed")
        #expect(MeteredResponder.result(status: 400, outcome: nil) == "rejected_400")
        #expect(MeteredResponder.result(status: 403, outcome: nil) == "rejected_403")
        #expect(MeteredResponder.result(status: 302, outcome: nil) == "status_302")
    }

    @Test("a refusal on the head is counted without a latency; a body read on is passed through")
    func headRefusals() {
        let metrics = StatushookMetrics()
        _ = MeteredResponder.counted(.respond(HTTPResponse(status: 401)), metrics: metrics)
        _ = MeteredResponder.counted(.readBody(limit: 10, tooLarge: HTTPResponse(status: 413)), metrics: metrics)
        let page = MetricsPage(metrics)
        #expect(page.value("statushook_callbacks_total{result=\"rejected_401\"}") == 1)
        #expect(page.value("statushook_callbacks_total{result=\"rejected_413\"}") == 0)
        #expect(page.value("statushook_ingest_latency_seconds_count") == 0)
    }

    @Test("the common results show at zero before the first callback, and every family is on the page")
    func baseline() {
        let metrics = StatushookMetrics()
        let before = MetricsPage(metrics)
        #expect(Set(before.lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }) == [
            "statushook_callbacks_total", "statushook_ingest_latency_seconds", "statushook_deliveries_total",
            "statushook_retention_deleted_total", "statushook_http_limit_breaches_total", "statushook_trusthub_requests_total"])
        for result in ["recorded", "duplicate", "unchanged", "rejected_400", "rejected_403", "unavailable"] {
            #expect(before.value("statushook_callbacks_total{result=\"\(result)\"}") == 0, "\(result)")
        }
        #expect(before.samples("statushook_callbacks_total").allSatisfy { $0.hasSuffix(" 0") })
        metrics.callbackAnswered(result: "recorded", seconds: 0.003)
        metrics.deliveryAttempted(sink: "ops", outcome: .transient(detail: "x", retryAfter: nil))
        let after = MetricsPage(metrics)
        #expect(after.value("statushook_callbacks_total{result=\"recorded\"}") == 1)
        #expect(after.value("statushook_deliveries_total{sink=\"ops\",outcome=\"transient\"}") == 1)
        #expect(after.value("statushook_ingest_latency_seconds_bucket{le=\"0.005\"}") == 1)
        #expect(after.value("statushook_ingest_latency_seconds_bucket{le=\"0.0025\"}") == 0)
    }
}
