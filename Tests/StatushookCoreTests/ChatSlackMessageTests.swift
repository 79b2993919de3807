import Foundation
import Testing
@testable import StatushookCore

/// Parses a rendered body the way the service does: as JSON.
func chatJSON(_ bytes: [UInt8]) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
}

/// Every `text` of a Slack body's blocks and its top-level `text`, and each block's type.
func slackTexts(_ body: [String: Any]) -> (texts: [String], blockTypes: [String]) {
    var texts: [String] = []
    var types: [String] = []
    func collect(_ value: Any) {
        if let object = value as? [String: Any] {
            if let text = object["text"] as? String { texts.append(text) }
            for child in object.values { collect(child) }
        } else if let array = value as? [Any] {
            array.forEach(collect)
        }
    }
    collect(body)
    for block in body["blocks"] as? [[String: Any]] ?? [] { types.append(block["type"] as? String ?? "?") }
    return (texts, types)
}

enum ChatFixtures {
    static let sid = "BU0123456789abcdef0123456789abcdef"
    static let account = "AC0123456789abcdef0123456789abcdef"

    static func event(to: String = "twilio-rejected", from: String? = "in-review", reason: String? = nil,
                      name: String? = nil, kind: ResourceKind? = .customerProfile, unexpected: Bool = false,
                      errors: [Int64] = []) -> TransitionEvent {
        var event = TransitionEvent(deliveryID: 42, transitionID: 7, sid: sid, accountSid: account, from: from, to: to,
                                    failureReason: reason, unexpected: unexpected, occurredAt: "2026-11-22T10:00:00.000000Z",
                                    friendlyName: name, kind: kind)
        if !errors.isEmpty {
            event.profile = ProfileDetails(friendlyName: name, enriched: true,
                                           errors: .array(errors.map { .object([("code", .int($0))]) }))
        }
        return event
    }

    /// Values a callback or the TrustHub API could carry to try to ping a channel, forge a link
    /// or break the markup.
    static let hostile = [
        "<!channel>", "<!here|here>", "<@U024BE7LH>", "<https://evil.example|click>", "&amp;", "&lt;!channel&gt;",
        "*bold* _it_ ~s~ `code` ```block```", "[click](https://evil.example)", "> quoted", "Zoë « Ünïcödé » 日本語 🚀",
        "\"quotes\" \\ backslash \n newline \t tab \u{0} nul", "<script>alert(1)</script>",
    ]
}

@Suite("Chat: the Slack message for a transition")
struct ChatSlackMessageTests {
    typealias X = ChatFixtures

    @Test("a rejection: text for the notification, a header with the name, facts, reason, linked codes, context")
    func rejection() throws {
        let event = X.event(reason: "Business name does not match (18601)", name: "Acme Corp", errors: [18602])
        let body = try chatJSON(SlackMessage(.transition(event)).body)
        #expect(body["text"] as? String == "Customer profile rejected: Acme Corp (18602, 18601)")
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "section", "section", "context"])
        let header = try #require(blocks[0]["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text")
        #expect(header["text"] as? String == "🔴 Customer profile rejected: Acme Corp")
        let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
        #expect(fields.map { $0["text"] as? String } == [
            "*Status*\nin-review → twilio-rejected", "*SID*\n`\(X.sid)`", "*Account*\n`\(X.account)`",
        ])
        #expect(fields.allSatisfy { $0["type"] as? String == "mrkdwn" })
        let reason = try #require(blocks[2]["text"] as? [String: Any])
        #expect(reason["type"] as? String == "plain_text")
        #expect(reason["text"] as? String == "Failure reason: Business name does not match (18601)")
        let codes = try #require(blocks[3]["text"] as? [String: Any])
        #expect(codes["type"] as? String == "mrkdwn")
        #expect(codes["text"] as? String == "*Error codes:* <https://www.twilio.com/docs/errors/18602|18602>, "
                + "<https://www.twilio.com/docs/errors/18601|18601>")
        let context = try #require(blocks[4]["elements"] as? [[String: Any]])
        #expect(context.map { $0["text"] as? String } == [
            "A rejected customer profile must be fixed and resubmitted for review.",
            "statushook · transition TR7 · delivery 42 · 2026-11-22 10:00:00 UTC",
        ])
    }

    @Test("an approval of a trust product without a name names its SID; no reason, no codes")
    func approval() throws {
        let body = try chatJSON(SlackMessage(.transition(X.event(to: "twilio-approved", from: "pending-review", kind: .trustProduct))).body)
        #expect(body["text"] as? String == "Trust product approved: \(X.sid)")
        let (texts, types) = slackTexts(body)
        #expect(types == ["header", "section", "context"])
        #expect(texts.contains("✅ Trust product approved: \(X.sid)"))
        #expect(!texts.contains { $0.contains("Failure reason") || $0.contains("Error code") })
    }

    @Test("a first sighting says so; an unknown kind says it is not known yet; other statuses are named")
    func otherStatuses() throws {
        let (texts, _) = slackTexts(try chatJSON(SlackMessage(.transition(X.event(to: "in-review", from: nil, kind: nil))).body))
        #expect(texts.contains("Profile is now in-review: \(X.sid)"))
        #expect(texts.contains("*Status*\n(first seen) → in-review"))
    }

    @Test("hostile names and reasons are escaped everywhere: no mention, no link but ours, in plain_text objects", arguments: ChatFixtures.hostile)
    func hostile(value: String) throws {
        let message = SlackMessage(.transition(X.event(reason: value + " (18601)", name: value)))
        let body = try chatJSON(message.body)
        let (texts, _) = slackTexts(body)
        let escaped = SlackText.escaped(value)
        #expect(texts.contains("🔴 Customer profile rejected: \(escaped)"))
        #expect(texts.contains("Failure reason: \(escaped) (18601)"))
        for text in texts {
            // The only `<` left is the start of a link we built, to Twilio's error pages.
            var rest = Substring(text)
            while let open = rest.firstIndex(of: "<") {
                #expect(rest[open...].hasPrefix("<https://www.twilio.com/docs/errors/"), "\(text)")
                rest = rest[rest.index(after: open)...]
            }
            #expect(!text.contains(">") || text.contains("|18601>"), "\(text)")
        }
        // The free text sits in plain_text objects, which Slack does not format.
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let header = try #require(blocks[0]["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text")
    }

    @Test("the escaping rule: &, < and > only, each once, and nothing else changed")
    func escapingRule() {
        #expect(SlackText.escaped("<!channel> & <@U1> > &amp;") == "&lt;!channel&gt; &amp; &lt;@U1&gt; &gt; &amp;amp;")
        #expect(SlackText.escaped("*bold* `x` Zoë 🚀 \"q\"") == "*bold* `x` Zoë 🚀 \"q\"")
    }

    @Test("a cut never splits an entity or a character, stays within the limit, and says so")
    func cutting() {
        #expect(SlackText.escaped("abc", limit: 3) == "abc")
        #expect(SlackText.escaped("abcd", limit: 3) == "ab…")
        #expect(SlackText.escaped("a<b", limit: 5) == "a…")
        #expect(SlackText.escaped("🚀🚀🚀", limit: 5) == "🚀🚀…")
        let cut = SlackText.escaped(String(repeating: "<", count: 1_000), limit: 150)
        #expect(cut.utf16.count <= 150)
        #expect(cut.hasSuffix("&lt;…"))
    }

    @Test("a very long name is cut in the header (150) and shown below it up to a section's limit")
    func longName() throws {
        let name = String(repeating: "Å<", count: 2_000)
        let body = try chatJSON(SlackMessage(.transition(X.event(reason: String(repeating: "r", count: 10_000), name: name))).body)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let header = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
        #expect(header.utf16.count <= SlackMessage.headerLimit)
        #expect(header.hasSuffix("…"))
        let full = try #require((blocks[1]["text"] as? [String: Any])?["text"] as? String)
        #expect(full.utf16.count <= SlackMessage.sectionLimit)
        #expect(full.hasPrefix("Å&lt;Å&lt;"))
        for block in blocks {
            if let text = (block["text"] as? [String: Any])?["text"] as? String { #expect(text.utf16.count <= 3_000) }
        }
        #expect((body["text"] as? String ?? "").utf16.count <= SlackMessage.textLimit)
    }

    @Test("times read as UTC without microseconds; anything else is shown as it is")
    func readableTimes() {
        #expect(ChatContent.readable("2026-11-22T10:04:31.250000Z") == "2026-11-22 10:04:31 UTC")
        #expect(ChatContent.readable("2026-11-22T10:04:31Z") == "2026-11-22 10:04:31 UTC")
        #expect(ChatContent.readable("yesterday") == "yesterday")
    }

    @Test("a paused-sink notice names the sink, its reason escaped, and the command that resumes it")
    func notice() throws {
        let notice = SinkNotice(deliveryID: 9, noticeID: 3, sink: "ops_alerts", reason: "Slack answered HTTP 404: <!channel> no_service",
                                occurredAt: "2026-11-22T10:00:00Z")
        let body = try chatJSON(SlackMessage(.notice(notice)).body)
        let (texts, types) = slackTexts(body)
        #expect(types == ["header", "section", "section", "context"])
        #expect(body["text"] as? String == "statushook: a sink was paused: ops_alerts")
        #expect(texts.contains("Why: Slack answered HTTP 404: &lt;!channel&gt; no_service"))
        #expect(texts.contains("*Sink*\n`ops_alerts`"))
        #expect(texts.contains { $0.contains("statushook sinks --resume ops_alerts") })
    }
}

@Suite("Chat: Slack's plain text stays plain")
struct ChatSlackPlainTextTests {
    @Test("every plain_text object asks Slack not to turn :shortcodes: into emoji")
    func noShortcodes() throws {
        let event = ChatFixtures.event(reason: ":white_check_mark: approved", name: ":white_check_mark: Acme")
        let body = try chatJSON(SlackMessage(.transition(event)).body)
        var plain: [[String: Any]] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if object["type"] as? String == "plain_text" { plain.append(object) }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(body)
        #expect(plain.count >= 4)
        #expect(plain.allSatisfy { $0["emoji"] as? Bool == false })
    }
}
