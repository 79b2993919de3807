import HTTPServer
import DurationUnits

/// Answers a callback and counts the answer: its result and the time since the body arrived.
struct MeteredResponder: Sendable {
    private let responder: HTTPResponder
    private let metrics: StatushookMetrics
    private let started = ContinuousClock.now

    init(_ responder: HTTPResponder, metrics: StatushookMetrics) {
        self.responder = responder
        self.metrics = metrics
    }

    /// `outcome` is the writer's verdict, when the callback got that far; else the status says it all.
    func respond(_ response: HTTPResponse, outcome: IngestOutcome? = nil) {
        let elapsed = ContinuousClock.now - started
        metrics.callbackAnswered(result: Self.result(status: response.status, outcome: outcome), seconds: elapsed.timeInterval)
        responder.respond(response)
    }

    /// Counts a callback refused on its head alone (401, 405, 413, 415); passes the decision on.
    static func counted(_ decision: HTTPHeadDecision, metrics: StatushookMetrics) -> HTTPHeadDecision {
        if case .respond(let refused) = decision {
            metrics.callbackAnswered(result: result(status: refused.status, outcome: nil), seconds: nil)
        }
        return decision
    }

    /// The `result` label: the writer's word for a 200, else one word per HTTP status.
    static func result(status: Int, outcome: IngestOutcome?) -> String {
        switch (status, outcome) {
        case (200, .recorded?): return "recorded"
        case (200, .unchanged?): return "unchanged"
        case (200, .duplicate?): return "duplicate"
        case (503, _): return "unavailable"
        case (500, _): return "failed"
        case (400..<500, _): return "rejected_\(status)"
        default: return "status_\(status)"
        }
    }
}
