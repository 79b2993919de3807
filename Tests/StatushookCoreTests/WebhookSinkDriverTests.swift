import Foundation
import Testing
import TestSupport
@testable import StatushookCore

@Suite("Webhook: the sink driver against a real receiver")
struct WebhookSinkDriverTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let previous = "whsec_" + Data("the previous secret, 24+ bytes".utf8).base64EncodedString()
    static let event = TransitionEvent(deliveryID: 42, transitionID: 7, sid: "BU" + String(repeating: "a", count: 32),
                                       accountSid: "AC" + String(repeating: "0", count: 32), from: "in-review",
                                       to: "twilio-rejected", failureReason: "Business name mismatch (18601) — «é»",
                                       unexpected: false, occurredAt: "2026-11-22T23:00:00.000000Z")

    /// Delivers `payload` from a thread of our own (the driver blocks) and returns the outcome.
    func deliver(_ url: String, payloads: [DeliveryPayload] = [.transition(event)], secretPrevious: String? = nil,
                 timeout: Duration = .seconds(5)) async -> [AttemptOutcome] {
        let settings = WebhookSinkSettings(url: url, secret: Self.secret, secretPrevious: secretPrevious, timeout: timeout)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let driver = WebhookSinkDriver(name: "hooks", settings: settings)
                continuation.resume(returning: payloads.map { driver.deliver($0) })
            }
        }
    }

    @Test("a delivered event arrives signed, and Python's hmac verifies it under both secrets of a rotation")
    func signedAndVerified() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let outcomes = await deliver(receiver.url("/hook"), secretPrevious: Self.previous)
        #expect(outcomes.map(\.name) == ["delivered"])
        let recorded = try #require(try receiver.recorded().first)
        #expect(recorded.bodyBytes == Self.event.json.bytes)
        #expect(recorded.header("Content-Type") == "application/json")
        #expect(recorded.headers.filter { $0[0].lowercased() == "user-agent" }.map { $0[1] }
                == ["statushook/\(StatushookVersion.current)"])
        #expect(recorded.header("webhook-id") == "42")
        let timestamp = try #require(recorded.header("webhook-timestamp").flatMap { Int64($0) })
        #expect(abs(timestamp - Timestamp.now().seconds) < 60)
        #expect(try WebhookPython.verify(recorded, secrets: [Self.secret, Self.previous], library: false) == "ok ok")
        let stranger = "whsec_" + Data("someone else's secret".utf8).base64EncodedString()
        #expect(try WebhookPython.verify(recorded, secrets: [stranger], library: false) == "bad: no matching signature")
    }

    @Test("the official standardwebhooks package verifies what the sink sent")
    func officialLibrary() async throws {
        try #require(WebhookPython.hasStandardWebhooks,
                     "STATUSHOOK_TEST_PYTHON has no standardwebhooks package: run scripts/test, which installs it")
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        _ = await deliver(receiver.url("/hook"), secretPrevious: Self.previous)
        let recorded = try #require(try receiver.recorded().first)
        #expect(try WebhookPython.verify(recorded, secrets: [Self.secret, Self.previous], library: true) == "ok ok")
        let stranger = "whsec_" + Data("someone else's secret".utf8).base64EncodedString()
        #expect(try WebhookPython.verify(recorded, secrets: [stranger], library: true).hasPrefix("bad"))
    }

    @Test("the receiver's answers become outcomes: 500 then 200 on one connection, 429 with Retry-After, 410, 301")
    func outcomes() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        #expect(await deliver(receiver.url("/flaky?status=500,200"), payloads: [.transition(Self.event), .transition(Self.event)])
            .map(\.name) == ["transient", "delivered"])
        // One driver, one keep-alive connection.
        #expect(try receiver.recorded().map(\.connection) == [1, 1])
        let busy = await deliver(receiver.url("/busy?status=429&retry_after=7")).first
        guard case .transient(let detail, let retryAfter) = busy else {
            Issue.record("429 gave \(String(describing: busy))")
            return
        }
        #expect(detail.hasPrefix("HTTP 429"))
        #expect(retryAfter == .seconds(7))
        #expect(await deliver(receiver.url("/gone?status=410")).map(\.name) == ["gone"])
        let moved = await deliver(receiver.url("/moved?status=301&location=http://elsewhere.invalid/"))
        #expect(moved == [.permanent(detail: "HTTP 301: a redirect to http://elsewhere.invalid/, not followed")])
        #expect(try receiver.recorded().map(\.target).filter { $0.hasPrefix("/moved") }.count == 1)
    }

    @Test("a receiver that hangs is cut at the sink's timeout: transient")
    func hanging() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let outcome = await deliver(receiver.url("/slow?hang=10"), timeout: .milliseconds(500)).first
        #expect(outcome?.name == "transient")
        #expect(outcome?.detail.hasPrefix("timed out") == true)
    }

    @Test("a receiver that is not there is transient; a URL with another scheme is permanent")
    func transport() async throws {
        let receiver = try HTTPTestReceiver()
        let url = receiver.url("/hook")
        receiver.stop()
        #expect(await deliver(url).first?.detail.hasPrefix("could not connect") == true)
        #expect(await deliver("ftp://127.0.0.1/hook").first?.name == "permanent")
    }

    @Test("a notice is delivered the same way, under its own id")
    func notice() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let notice = SinkNotice(deliveryID: 99, noticeID: 3, sink: "mail", reason: "HTTP 410", occurredAt: "2026-11-22T23:00:00.000000Z")
        #expect(await deliver(receiver.url("/hook"), payloads: [.notice(notice)]).map(\.name) == ["delivered"])
        let recorded = try #require(try receiver.recorded().first)
        #expect(recorded.header("webhook-id") == "99")
        #expect(try WebhookPython.verify(recorded, secrets: [Self.secret], library: false) == "ok")
    }
}
