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
        #expect(metrics.callbacks.value(["rejected_401"]) == 1)
        #expect(metrics.callbacks.value(["rejected_413"]) == 0)
        #expect(metrics.ingestLatency.snapshot().samples.last?.value == 0)
    }

    @Test("the common results show at zero before the first callback, and the families come in a fixed order")
    func baseline() {
        let metrics = StatushookMetrics()
        let families = metrics.snapshot()
        #expect(families.map(\.name) == ["statushook_callbacks_total", "statushook_ingest_latency_seconds",
                                         "statushook_deliveries_total", "statushook_retention_deleted_total",
                                         "statushook_http_limit_breaches_total", "statushook_trusthub_requests_total"])
        let results = families[0].samples.map { $0.labels[0].value }
        #expect(Set(results).isSuperset(of: ["recorded", "duplicate", "unchanged", "rejected_400", "rejected_403", "unavailable"]))
        #expect(families[0].samples.allSatisfy { $0.value == 0 })
        metrics.callbackAnswered(result: "recorded", seconds: 0.003)
        metrics.deliveryAttempted(sink: "ops", outcome: .transient(detail: "x", retryAfter: nil))
        #expect(metrics.callbacks.value(["recorded"]) == 1)
        #expect(metrics.deliveries.value(["ops", "transient"]) == 1)
        let latency = metrics.ingestLatency.snapshot().samples
        #expect(latency.first { $0.labels == [.init("le", "0.005")] }?.value == 1)
        #expect(latency.first { $0.labels == [.init("le", "0.0025")] }?.value == 0)
    }
}
