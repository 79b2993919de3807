import Testing
@testable import StatushookCore

@Suite("Webhook: the signed request")
struct WebhookRequestTests {
    static let secret = try! StandardWebhooksSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    static let previous = try! StandardWebhooksSecret("whsec_cHJldmlvdXM=")
    static let event = TransitionEvent(deliveryID: 42, transitionID: 7, sid: "BU" + String(repeating: "a", count: 32),
                                       accountSid: nil, from: "in-review", to: "twilio-approved", failureReason: nil,
                                       unexpected: false, occurredAt: "2026-11-22T23:00:00.000000Z")

    @Test("headers in order: content type, user agent, id, timestamp, signature; the body is the event's JSON")
    func headers() {
        let request = WebhookRequest(event: Self.event, secrets: [Self.secret], timestamp: 1_795_388_400)
        #expect(request.headers.map(\.0) == ["Content-Type", "User-Agent", "webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(request.header("content-type") == "application/json")
        #expect(request.header("User-Agent") == "statushook/\(StatushookVersion.current)")
        #expect(request.header("webhook-id") == "42")
        #expect(request.header("webhook-timestamp") == "1795388400")
        #expect(request.body == Self.event.json.bytes)
        #expect(request.header("webhook-signature")
                == StandardWebhooksSignature.sign(id: "42", timestamp: 1_795_388_400, body: request.body, secret: Self.secret))
    }

    @Test("the signature covers the delivery id, the attempt's timestamp and the exact body")
    func signatureVerifies() {
        let request = WebhookRequest(event: Self.event, secrets: [Self.secret], timestamp: 1_795_388_400)
        let header = request.header("webhook-signature") ?? ""
        #expect(StandardWebhooksSignature.verify(header: header, id: "42", timestamp: 1_795_388_400, body: request.body,
                                                 secret: Self.secret))
        #expect(!StandardWebhooksSignature.verify(header: header, id: "7", timestamp: 1_795_388_400, body: request.body,
                                                  secret: Self.secret))
    }

    @Test("a retry is re-signed with its own timestamp under the same id")
    func retry() {
        let first = WebhookRequest(event: Self.event, secrets: [Self.secret], timestamp: 1_795_388_400)
        let second = WebhookRequest(event: Self.event, secrets: [Self.secret], timestamp: 1_795_388_405)
        #expect(first.header("webhook-id") == second.header("webhook-id"))
        #expect(first.body == second.body)
        #expect(first.header("webhook-signature") != second.header("webhook-signature"))
    }

    @Test("during a rotation the signature header holds both signatures")
    func rotation() {
        let request = WebhookRequest(event: Self.event, secrets: [Self.secret, Self.previous], timestamp: 1_795_388_400)
        let entries = (request.header("webhook-signature") ?? "").split(separator: " ")
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.hasPrefix("v1,") })
    }

    @Test("a notice is signed under its own delivery id")
    func notice() {
        let notice = SinkNotice(deliveryID: 99, noticeID: 3, sink: "hooks", reason: "HTTP 410", occurredAt: "2026-11-22T23:00:00.000000Z")
        let request = WebhookRequest(payload: .notice(notice), secrets: [Self.secret], timestamp: 1_795_388_400)
        #expect(request.header("webhook-id") == "99")
        #expect(request.body == notice.json.bytes)
    }
}
