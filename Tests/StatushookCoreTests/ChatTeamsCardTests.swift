import Foundation
import Testing
@testable import StatushookCore

@Suite("Chat: the Teams Adaptive Card for a transition")
struct ChatTeamsCardTests {
    typealias X = ChatFixtures

    /// The card inside the message, checked for the envelope Workflows expects.
    static func card(_ payload: DeliveryPayload) throws -> [String: Any] {
        let message = try chatJSON(TeamsCard(payload).body)
        #expect(message["type"] as? String == "message")
        let attachments = try #require(message["attachments"] as? [[String: Any]])
        #expect(attachments.count == 1)
        #expect(attachments[0]["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachments[0]["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard")
        #expect(card["version"] as? String == "1.4")
        return card
    }

    /// The literal texts (TextRuns) and the Markdown-read texts (TextBlocks, facts) of a card.
    static func texts(_ card: [String: Any]) -> (literal: [String], markdown: [String]) {
        var literal: [String] = []
        var markdown: [String] = []
        for element in card["body"] as? [[String: Any]] ?? [] {
            switch element["type"] as? String {
            case "TextBlock": markdown.append(element["text"] as? String ?? "")
            case "RichTextBlock":
                for run in element["inlines"] as? [[String: Any]] ?? [] { literal.append(run["text"] as? String ?? "") }
            case "FactSet":
                for fact in element["facts"] as? [[String: Any]] ?? [] {
                    markdown.append(fact["title"] as? String ?? "")
                    markdown.append(fact["value"] as? String ?? "")
                }
            default: Issue.record("unexpected element \(element)")
            }
        }
        return (literal, markdown)
    }

    @Test("a rejection: headline, the name as written, facts, reason, linked codes, notes, footer")
    func rejection() throws {
        let card = try Self.card(.transition(X.event(reason: "Business name does not match (18601)", name: "Acme Corp")))
        let body = try #require(card["body"] as? [[String: Any]])
        #expect(body.map { $0["type"] as? String } == [
            "TextBlock", "RichTextBlock", "FactSet", "TextBlock", "RichTextBlock", "TextBlock", "TextBlock", "TextBlock",
        ])
        let (literal, markdown) = Self.texts(card)
        #expect(literal == ["Acme Corp", "Business name does not match (18601)"])
        #expect(markdown.contains("Customer profile rejected"))
        #expect(markdown.contains("in-review → twilio-rejected"))
        #expect(markdown.contains(X.sid))
        #expect(markdown.contains("**Error code:** [18601](https://www.twilio.com/docs/errors/18601)"))
        #expect(markdown.contains("statushook · transition TR7 · delivery 42 · 2026-11-22 10:00:00 UTC"))
        #expect(body[0]["color"] as? String == "Attention")
    }

    @Test("hostile names and reasons go only into TextRuns, verbatim; Markdown-read texts hold none of it",
          arguments: ChatFixtures.hostile)
    func hostile(value: String) throws {
        let card = try Self.card(.transition(X.event(reason: value, name: value)))
        let (literal, markdown) = Self.texts(card)
        #expect(literal == [value, value])
        for text in markdown {
            #expect(!text.contains(value), "\(text)")
            // The only link is ours.
            #expect(!text.contains("](") || text.contains("](https://www.twilio.com/docs/errors/"), "\(text)")
        }
    }

    @Test("the body stays under the byte limit, however long or heavy the values, cutting them with …",
          arguments: [String(repeating: "a", count: 100_000), String(repeating: "\u{1}", count: 50_000),
                      String(repeating: "𝕏", count: 50_000), "Z" + String(repeating: "\u{0301}", count: 40_000)])
    func byteLimit(value: String) throws {
        let body = TeamsCard(.transition(X.event(reason: value, name: value))).body
        #expect(body.count <= TeamsCard.byteLimit)
        let (literal, _) = Self.texts(try Self.card(.transition(X.event(reason: value, name: value))))
        #expect(literal.count == 2)
        #expect(literal.allSatisfy { $0.hasSuffix("…") })
    }

    @Test("a name of ordinary length is not cut")
    func ordinaryLength() throws {
        let name = String(repeating: "Ω", count: 900)
        let (literal, _) = Self.texts(try Self.card(.transition(X.event(name: name))))
        #expect(literal == [name])
    }

    @Test("a paused-sink notice names the sink and its reason, as written")
    func notice() throws {
        let notice = SinkNotice(deliveryID: 9, noticeID: 3, sink: "ops", reason: "Teams answered HTTP 410: [x](https://evil)",
                                occurredAt: "2026-11-22T10:00:00Z")
        let (literal, markdown) = Self.texts(try Self.card(.notice(notice)))
        #expect(literal == ["ops", "Teams answered HTTP 410: [x](https://evil)"])
        #expect(markdown.contains("statushook: a sink was paused"))
        #expect(markdown.contains { $0.contains("statushook sinks --resume ops") })
    }
}

@Suite("Chat: the services' answers")
struct ChatResponseRulesTests {
    static func outcome(_ service: ChatService, _ status: Int, _ body: String = "", headers: [(String, String)] = []) -> AttemptOutcome {
        ChatResponseRules.outcome(service: service, status: status, headers: headers, body: Array(body.utf8), now: 1_000)
    }

    @Test("Slack: 200 ok is delivered, quoting the answer")
    func slackOK() {
        #expect(Self.outcome(.slack, 200, "ok") == .delivered(detail: "Slack answered HTTP 200: ok"))
    }

    @Test("Slack and Teams: 429 waits Retry-After (seconds or a date), bounded to a day")
    func rateLimited() {
        for service in ChatService.allCases {
            #expect(Self.outcome(service, 429, "rate_limited", headers: [("Retry-After", "30")])
                    == .transient(detail: "\(service.displayName) answered HTTP 429: rate_limited", retryAfter: .seconds(30)))
            #expect(Self.outcome(service, 429, headers: [("retry-after", "Thu, 01 Jan 1970 00:17:30 GMT")])
                    == .transient(detail: "\(service.displayName) answered HTTP 429", retryAfter: .seconds(50)))
            #expect(Self.outcome(service, 429, headers: [("Retry-After", "99999999")])
                    == .transient(detail: "\(service.displayName) answered HTTP 429", retryAfter: .seconds(86_400)))
            #expect(Self.outcome(service, 429) == .transient(detail: "\(service.displayName) answered HTTP 429", retryAfter: nil))
        }
    }

    @Test("Slack: a webhook that is gone, disabled or forbidden pauses the sink",
          arguments: [(404, "no_service"), (404, "channel_not_found"), (404, "no_team"), (410, "channel_is_archived"),
                      (403, "action_prohibited"), (403, "invalid_token"), (403, "team_disabled")])
    func slackPauses(status: Int, body: String) {
        #expect(Self.outcome(.slack, status, body) == .gone(detail: "Slack answered HTTP \(status): \(body)"))
    }

    @Test("Slack: 400 invalid_payload, no_text and the like are this message's problem: permanent",
          arguments: ["invalid_payload", "no_text", "too_many_attachments", "user_not_found"])
    func slackPermanent(body: String) {
        #expect(Self.outcome(.slack, 400, body) == .permanent(detail: "Slack answered HTTP 400: \(body)"))
    }

    @Test("Slack and Teams: 5xx and 408 are retried")
    func transient() {
        for service in ChatService.allCases {
            for status in [408, 500, 502, 503, 504] {
                guard case .transient = Self.outcome(service, status, "rollup_error") else {
                    Issue.record("\(service) \(status) is not transient")
                    continue
                }
            }
        }
    }

    @Test("Teams: 202 and 200 are delivered; 410 pauses; every other 4xx is permanent")
    func teams() {
        #expect(Self.outcome(.teams, 202) == .delivered(detail: "Teams answered HTTP 202"))
        #expect(Self.outcome(.teams, 200) == .delivered(detail: "Teams answered HTTP 200"))
        #expect(Self.outcome(.teams, 410) == .gone(detail: "Teams answered HTTP 410"))
        for status in [400, 401, 403, 404, 413] {
            #expect(Self.outcome(.teams, status, "{\"error\":{\"code\":\"x\"}}")
                    == .permanent(detail: "Teams answered HTTP \(status): {\"error\":{\"code\":\"x\"}}"))
        }
    }

    @Test("a redirect is not followed and is permanent; a long or multi-line answer is quoted on one line, cut")
    func redirectsAndQuoting() {
        #expect(Self.outcome(.slack, 302) == .permanent(detail: "Slack answered HTTP 302: a redirect, not followed"))
        let detail = Self.outcome(.teams, 400, "line one\nline two" + String(repeating: "x", count: 500)).detail
        #expect(!detail.contains("\n"))
        #expect(detail.hasSuffix("…"))
    }
}

@Suite("Chat: the webhook URL is a secret")
struct ChatWebhookURLTests {
    static let slack = ChatWebhookURL("https://hooks.slack.com/services/T0001/B0002/SECRETSECRETSECRET")
    static let teams = ChatWebhookURL("https://x.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SIGSIG")

    @Test("the redacted form keeps scheme and host only, and is what interpolation shows")
    func redacted() {
        #expect(Self.slack.redacted == "https://hooks.slack.com/…")
        #expect(Self.teams.redacted == "https://x.logic.azure.com:443/…")
        #expect(ChatWebhookURL("http://user:pw@127.0.0.1:8080/x").redacted == "http://127.0.0.1:8080/…")
        #expect("\(Self.slack)" == "https://hooks.slack.com/…")
        #expect(String(describing: ChatSinkSettings(url: Self.slack.secret)).contains("SECRET") == false)
    }

    @Test("a message quoting the URL, its path or its query loses them")
    func scrubbed() {
        let text = "Could not POST https://hooks.slack.com/services/T0001/B0002/SECRETSECRETSECRET (path /services/T0001/B0002/SECRETSECRETSECRET)"
        let clean = Self.slack.scrubbed(text)
        #expect(!clean.contains("SECRET"))
        #expect(clean == "Could not POST https://hooks.slack.com/… (path https://hooks.slack.com/…)")
        #expect(!Self.teams.scrubbed("bad request /workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SIGSIG").contains("SIGSIG"))
        #expect(ChatWebhookURL("http://127.0.0.1:9/").scrubbed("a / b") == "a / b")
    }

    @Test("the driver scrubs every outcome's detail")
    func driverScrubs() {
        let outcome = ChatSinkDriver.scrubbed(.transient(detail: "x \(Self.slack.secret) y", retryAfter: .seconds(1)), url: Self.slack)
        #expect(outcome == .transient(detail: "x https://hooks.slack.com/… y", retryAfter: .seconds(1)))
    }
}

@Suite("Chat: the send window a 429 opens")
struct ChatSendWindowTests {
    let start = ContinuousClock.now

    @Test("no wait until a service asks for one")
    func open() {
        #expect(ChatSendWindow().hold(now: start, longest: .seconds(15)) == .zero)
    }

    @Test("a Retry-After holds back every later post until then, at most the longest hold")
    func asked() {
        var window = ChatSendWindow()
        window.record(.transient(detail: "429", retryAfter: .seconds(3)), now: start)
        #expect(window.hold(now: start + .seconds(1), longest: .seconds(15)) == .seconds(2))
        #expect(window.hold(now: start + .seconds(1), longest: .seconds(1)) == .seconds(1))
        #expect(window.hold(now: start + .seconds(3), longest: .seconds(15)) == .zero)
        #expect(window.hold(now: start + .seconds(9), longest: .seconds(15)) == .zero)
    }

    @Test("a shorter wait asked later does not shorten the window; a longer one extends it")
    func longestWins() {
        var window = ChatSendWindow()
        window.record(.transient(detail: "429", retryAfter: .seconds(10)), now: start)
        window.record(.transient(detail: "429", retryAfter: .seconds(1)), now: start + .seconds(1))
        #expect(window.hold(now: start + .seconds(2), longest: .seconds(60)) == .seconds(8))
        window.record(.transient(detail: "429", retryAfter: .seconds(20)), now: start + .seconds(2))
        #expect(window.hold(now: start + .seconds(2), longest: .seconds(60)) == .seconds(20))
    }

    @Test("answers without a wait leave the window as it is",
          arguments: [AttemptOutcome.delivered(detail: "ok"), .transient(detail: "500", retryAfter: nil),
                      .transient(detail: "429", retryAfter: .zero), .permanent(detail: "400"), .gone(detail: "404")])
    func others(outcome: AttemptOutcome) {
        var window = ChatSendWindow()
        window.record(outcome, now: start)
        #expect(window == ChatSendWindow())
    }
}
