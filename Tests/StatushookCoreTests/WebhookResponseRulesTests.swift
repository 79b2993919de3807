import HTTPClient
import Testing
@testable import StatushookCore

@Suite("Webhook: response rules")
struct WebhookResponseRulesTests {
    /// Sun, 22 Nov 2026 23:00:00 GMT.
    static let now: Int64 = 1_795_388_400

    func outcome(_ status: Int, _ headers: [(String, String)] = [], body: String = "") -> AttemptOutcome {
        WebhookResponseRules.outcome(status: status, headers: headers, body: Array(body.utf8), now: Self.now)
    }

    @Test("every status from 100 to 599 lands where docs/contract.md §2 puts it")
    func everyStatus() {
        for status in 100...599 {
            let expected: String
            switch status {
            case 200..<300: expected = "delivered"
            case 410: expected = "gone"
            case 408, 429, 500..<600: expected = "transient"
            case 300..<500: expected = "permanent"
            default: expected = "transient"
            }
            #expect(outcome(status).name == expected, "HTTP \(status)")
        }
    }

    @Test("statuses HTTP does not define are transient, as a receiver that may be fixed", arguments: [0, 99, 600, 999])
    func undefinedStatus(_ status: Int) {
        #expect(outcome(status) == .transient(detail: "unexpected HTTP status \(status)", retryAfter: nil))
    }

    @Test("a 2xx is delivered, its detail the status and the start of the body")
    func delivered() {
        #expect(outcome(200, body: "ok") == .delivered(detail: "HTTP 200: ok"))
        #expect(outcome(204) == .delivered(detail: "HTTP 204"))
    }

    @Test("410 is gone")
    func gone() {
        #expect(outcome(410, body: "endpoint deleted") == .gone(detail: "HTTP 410: endpoint deleted"))
    }

    @Test("Retry-After is honoured on 408, 429, 500 and 503, as seconds or a date, header name in any case",
          arguments: [408, 429, 500, 503])
    func retryAfterHonoured(_ status: Int) {
        #expect(outcome(status, [("Retry-After", "120")]) == .transient(detail: "HTTP \(status)", retryAfter: .seconds(120)))
        #expect(outcome(status, [("retry-after", "Sun, 22 Nov 2026 23:01:30 GMT")])
                == .transient(detail: "HTTP \(status)", retryAfter: .seconds(90)))
        #expect(outcome(status) == .transient(detail: "HTTP \(status)", retryAfter: nil))
    }

    @Test("a Retry-After beyond 24 hours is cut to 24 hours; one that is not a delay is ignored")
    func retryAfterBounds() {
        #expect(outcome(429, [("Retry-After", "604800")]) == .transient(detail: "HTTP 429", retryAfter: .seconds(86_400)))
        #expect(outcome(429, [("Retry-After", "86400")]) == .transient(detail: "HTTP 429", retryAfter: .seconds(86_400)))
        #expect(outcome(503, [("Retry-After", "Sun, 22 Nov 2099 23:00:00 GMT")])
                == .transient(detail: "HTTP 503", retryAfter: .seconds(86_400)))
        #expect(outcome(503, [("Retry-After", "later")]) == .transient(detail: "HTTP 503", retryAfter: nil))
        #expect(outcome(503, [("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")]) == .transient(detail: "HTTP 503", retryAfter: .zero))
    }

    @Test("Retry-After on a permanent failure changes nothing")
    func retryAfterOnPermanent() {
        #expect(outcome(400, [("Retry-After", "5")]) == .permanent(detail: "HTTP 400"))
    }

    @Test("a redirect is permanent and names where it pointed", arguments: [301, 302, 303, 307, 308])
    func redirect(_ status: Int) {
        #expect(outcome(status, [("Location", "https://elsewhere.example/hook")])
                == .permanent(detail: "HTTP \(status): a redirect to https://elsewhere.example/hook, not followed"))
        #expect(outcome(status) == .permanent(detail: "HTTP \(status): a redirect, not followed"))
    }

    @Test("other 4xx are permanent", arguments: [400, 401, 403, 404, 405, 409, 413, 415, 422, 451])
    func clientErrors(_ status: Int) {
        #expect(outcome(status, body: "no").name == "permanent")
    }

    @Test("a detail quotes at most 200 characters of the body, on one line")
    func detailQuoting() {
        let long = String(repeating: "é", count: 300)
        #expect(outcome(500, body: long).detail == "HTTP 500: " + String(repeating: "é", count: 200) + "…")
        #expect(outcome(500, body: "line one\r\nline two\n").detail == "HTTP 500: line one line two")
        #expect(outcome(500, body: "  \n").detail == "HTTP 500")
    }

    @Test("transport failures: timeout, connect, tls and a broken connection are transient; a request that cannot be sent is permanent")
    func transport() {
        func outcome(_ kind: HTTPClientError.Kind) -> AttemptOutcome {
            WebhookResponseRules.outcome(for: HTTPClientError(kind: kind, message: "m"))
        }
        #expect(outcome(.timeout) == .transient(detail: "timed out: m", retryAfter: nil))
        #expect(outcome(.connect) == .transient(detail: "could not connect: m", retryAfter: nil))
        #expect(outcome(.tls) == .transient(detail: "TLS failed: m", retryAfter: nil))
        #expect(outcome(.network) == .transient(detail: "connection broken: m", retryAfter: nil))
        #expect(outcome(.other) == .permanent(detail: "request not sent: m"))
    }

    @Test("a client response is read the same way")
    func fromResponse() {
        let response = HTTPClientResponse(status: 429, headers: [("Retry-After", "7")], body: [])
        #expect(WebhookResponseRules.outcome(for: response, now: Self.now) == .transient(detail: "HTTP 429", retryAfter: .seconds(7)))
    }
}
