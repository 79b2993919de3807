import Foundation
import Testing
import TestSupport
@testable import StatushookCore

enum DigestFixtures {
    /// The `n`th transition of a burst, a second after the one before it.
    static func event(_ n: Int, to: String = "twilio-approved", reason: String? = nil, name: String? = nil,
                      unexpected: Bool = false, kind: ResourceKind? = .customerProfile,
                      day: String = "2026-12-06") -> TransitionEvent {
        let hex = String(n, radix: 16)
        return TransitionEvent(deliveryID: Int64(100 + n), transitionID: Int64(n),
                               sid: "BU" + String(repeating: "0", count: 32 - hex.count) + hex,
                               accountSid: nil, from: "pending-review", to: to, failureReason: reason,
                               unexpected: unexpected,
                               occurredAt: "\(day)T\(String(format: "%02d:%02d:%02d", 10 + n / 3600, n / 60 % 60, n % 60)).123456Z",
                               friendlyName: name, kind: kind)
    }

    /// A burst of `count`: every `rejectEvery`th a rejection with a reason naming its SID.
    static func burst(_ count: Int, rejectEvery: Int = 10, name: (Int) -> String? = { "Company \($0)" },
                      reason: (Int) -> String = { "Business name mismatch for #\($0) (18601)" }) -> [TransitionEvent] {
        (1...count).map { n in
            n % rejectEvery == 0 ? event(n, to: "twilio-rejected", reason: reason(n), name: name(n)) : event(n, name: name(n))
        }
    }

    /// The Slack body's blocks and every text in them.
    static func slack(_ events: [TransitionEvent], sink: String = "ops") throws -> (message: SlackDigestMessage, text: String,
                                                                                     blocks: [[String: Any]], texts: [String]) {
        let message = SlackDigestMessage(events, sink: sink)
        let body = try chatJSON(message.body)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let texts = blocks.flatMap { block -> [String] in
            let objects = (block["text"] as? [String: Any]).map { [$0] } ?? block["elements"] as? [[String: Any]] ?? []
            return objects.compactMap { $0["text"] as? String }
        }
        return (message, try #require(body["text"] as? String), blocks, texts)
    }

    /// The Teams card's body elements.
    static func teams(_ events: [TransitionEvent], sink: String = "ops") throws -> (card: TeamsDigestCard, body: [[String: Any]]) {
        let card = TeamsDigestCard(events, sink: sink)
        let message = try chatJSON(card.body)
        #expect(message["type"] as? String == "message")
        let attachments = try #require(message["attachments"] as? [[String: Any]])
        let content = try #require(attachments.first?["content"] as? [String: Any])
        #expect(content["type"] as? String == "AdaptiveCard")
        return (card, try #require(content["body"] as? [[String: Any]]))
    }

    /// The texts of a Teams card's TextRuns (shown as written) and of its TextBlocks (read as Markdown).
    static func runs(_ body: [[String: Any]]) -> (literal: [String], markdown: [String]) {
        var literal: [String] = []
        var markdown: [String] = []
        for element in body {
            if element["type"] as? String == "TextBlock" { markdown.append(element["text"] as? String ?? "") }
            for run in element["inlines"] as? [[String: Any]] ?? [] { literal.append(run["text"] as? String ?? "") }
        }
        return (literal, markdown)
    }

    /// UTF-16 length, as Slack counts.
    static func length(_ text: String) -> Int { text.utf16.count }
}

@Suite("Chat: the Slack and Teams digests of a burst")
struct ChatDigestTests {
    typealias D = DigestFixtures

    @Test("Slack: a header with the count and verdicts, the lines oldest first, every reason, the digest named")
    func slackDigest() throws {
        let events = [D.event(1, name: "Acme Corp"), D.event(2, to: "twilio-rejected", reason: "Name mismatch (18601)", name: "Beta"),
                      D.event(3, to: "in-review", kind: .trustProduct), D.event(4)]
        let (message, text, blocks, texts) = try D.slack(events)
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "context"])
        #expect(texts[0] == "🔴 4 status changes: 2 twilio-approved, 1 in-review, 1 twilio-rejected")
        #expect(texts[1] == """
            ✅ Acme Corp · BU00000000000000000000000000000001 · pending-review → twilio-approved · 10:00:01
            🔴 Beta · BU00000000000000000000000000000002 · pending-review → twilio-rejected · 10:00:02
                  Reason: Name mismatch (18601)
            • BU00000000000000000000000000000003 · pending-review → in-review · trust product · 10:00:03
            ✅ BU00000000000000000000000000000004 · pending-review → twilio-approved · 10:00:04
            """)
        #expect(texts[2] == "statushook · sink ops · digest #101-4 · deliveries 101–104 · oldest first, times UTC on 2026-12-06")
        #expect(text == "4 status changes: 2 twilio-approved, 1 in-review, 1 twilio-rejected\n" + texts[1])
        #expect(message.listedCount == 4)
        let plain = blocks.dropLast().compactMap { $0["text"] as? [String: Any] }
        #expect(plain.allSatisfy { $0["type"] as? String == "plain_text" && $0["emoji"] as? Bool == false })
    }

    @Test("an all-approved burst is good news; one change alone is singular; days differ: full dates")
    func headlines() throws {
        #expect(try D.slack([D.event(1), D.event(2)]).texts[0] == "✅ 2 status changes: 2 twilio-approved")
        #expect(try D.slack([D.event(1, to: "draft")]).texts[0] == "1 status change: 1 draft")
        let (_, _, _, texts) = try D.slack([D.event(1), D.event(2, day: "2026-12-07")])
        #expect(texts[1].contains("· 2026-12-06 10:00:01\n") && texts[1].hasSuffix("· 2026-12-07 10:00:02"))
        #expect(texts[2].hasSuffix("oldest first, times UTC"))
    }

    @Test("an unexpected move is marked, and the mark explained in the context")
    func unexpected() throws {
        let (_, _, blocks, texts) = try D.slack([D.event(1, to: "draft", unexpected: true), D.event(2)])
        #expect(texts[1].hasPrefix("• BU00000000000000000000000000000001 · pending-review → draft (unexpected) · 10:00:01"))
        let context = try #require(blocks.last?["elements"] as? [[String: Any]])
        #expect(context.map { $0["text"] as? String }.first == "statushook · sink ops · digest #101-2 · deliveries 101–102 · oldest first, times UTC on 2026-12-06")
        #expect(context.count == 2)
    }

    @Test("Slack: hostile names and reasons are escaped exactly as in a single message, in text too; no line is forged",
          arguments: ChatFixtures.hostile)
    func slackHostile(value: String) throws {
        let events = [D.event(1, to: "twilio-rejected", reason: value, name: value), D.event(2, name: value)]
        let (_, text, _, texts) = try D.slack(events)
        let escaped = SlackText.escaped(ChatDigestContent.oneLine(value))
        let name = SlackText.escaped(ChatContent.cut(ChatDigestContent.oneLine(value), limit: ChatDigestContent.nameLimit))
        #expect(texts[1] == """
            🔴 \(name) · BU00000000000000000000000000000001 · pending-review → twilio-rejected · 10:00:01
                  Reason: \(escaped)
            ✅ \(name) · BU00000000000000000000000000000002 · pending-review → twilio-approved · 10:00:02
            """)
        #expect(text.hasSuffix(texts[1]))
        for piece in texts + [text] {
            #expect(!piece.contains("<") && !piece.contains(">"), "\(piece)")
            #expect(!piece.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" })
        }
        // Each transition is one line (and a rejection's reason one more): a newline in a value is a space.
        #expect(texts[1].split(separator: "\n").count == 3)
    }

    @Test("the escaping and folding, exactly: & < > once each; control characters and line breaks become spaces")
    func escapingExactly() throws {
        let (_, text, _, texts) = try D.slack([D.event(1, name: "<!channel> &amp; <https://evil|click> *bold*\n\t\u{0}x\r\ny\u{2028}z")])
        let line = "✅ &lt;!channel&gt; &amp;amp; &lt;https://evil|click&gt; *bold*   x y z · BU00000000000000000000000000000001 · "
            + "pending-review → twilio-approved · 10:00:01"
        #expect(texts[1] == line)
        #expect(text == "1 status change: 1 twilio-approved\n" + line)
    }

    @Test("Slack: a long name is cut in its line; a reason is shown whole up to a single message's cut; escapes stay in a section")
    func slackLongValues() throws {
        let reason = String(repeating: "r", count: 900) + " (18601)"
        let (_, _, _, texts) = try D.slack([D.event(1, to: "twilio-rejected", reason: reason, name: String(repeating: "N", count: 500))])
        #expect(texts[1].hasPrefix("🔴 " + String(repeating: "N", count: 59) + "… · BU"))
        #expect(texts[1].hasSuffix("Reason: " + reason))
        let worst = try D.slack([D.event(1, to: "twilio-rejected", reason: String(repeating: "&", count: 5_000),
                                         name: String(repeating: "<", count: 5_000))])
        #expect(worst.texts.allSatisfy { D.length($0) <= SlackMessage.sectionLimit })
        #expect(worst.texts[1].hasSuffix("&amp;…"))
        // One character made of thousands of scalars cannot make a line overlong either.
        let zalgo = "Z" + String(repeating: "\u{0301}", count: 10_000)
        let long = try D.slack([D.event(1, name: zalgo)])
        #expect(D.length(long.texts[1]) <= SlackDigestMessage.lineLimit)
    }

    @Test("Slack: 1,000 transitions stay within 50 blocks, 3,000 a section, 10,000 in all and 40,000 of text; every rejection listed")
    func slackThousand() throws {
        let events = D.burst(1_000, rejectEvery: 40)
        let (message, text, blocks, texts) = try D.slack(events)
        #expect(blocks.count <= 50)
        #expect(texts.allSatisfy { D.length($0) <= SlackMessage.sectionLimit })
        #expect(texts.reduce(0) { $0 + D.length($1) } <= SlackDigestMessage.blockTextBudget)
        #expect(D.length(text) <= 40_000)
        #expect(texts[0] == "🔴 1000 status changes: 975 twilio-approved, 25 twilio-rejected")
        let listed = texts.joined(separator: "\n")
        for event in events where event.to == "twilio-rejected" {
            #expect(listed.contains("Reason: Business name mismatch for #\(event.transitionID) (18601)"))
        }
        let shown = Set(listed.matches(of: /BU[0-9a-f]{32}/).map { String($0.output) })
        #expect(shown.count == message.listedCount)
        #expect(message.listedCount > 60 && message.listedCount < 1_000)
        // The approvals listed are the oldest ones, in order; the note counts the rest.
        let approvals = events.filter { $0.to == "twilio-approved" }
        let listedApprovals = approvals.filter { shown.contains($0.sid) }
        #expect(listedApprovals.map(\.sid) == approvals.prefix(listedApprovals.count).map(\.sid))
        let more = 1_000 - message.listedCount
        let note = try #require(texts.first { $0.hasPrefix("… and ") })
        #expect(note.hasPrefix("… and \(more) more in this digest (\(more) twilio-approved, "))
        #expect(note.hasSuffix("not listed: one Slack message holds no more. Each is recorded as delivered in digest #101-1000: "
                               + "see statushook deliveries --sink ops --limit 1000, or the operator page (/ui/profiles)."))
        #expect(text.hasSuffix(note))
        // The order of the message is the burst's.
        let order = listed.matches(of: /BU[0-9a-f]{32}/).map { String($0.output) }
        #expect(order == order.sorted())
    }

    @Test("Slack: when even the rejections do not all fit, the oldest are listed with their reasons and the note counts the rest")
    func slackTooManyRejections() throws {
        let events = D.burst(1_000, rejectEvery: 1, reason: { "Reason \($0): " + String(repeating: "x", count: 900) })
        let (message, _, blocks, texts) = try D.slack(events)
        #expect(blocks.count <= 50 && texts.reduce(0) { $0 + D.length($1) } <= SlackDigestMessage.blockTextBudget)
        #expect(message.listedCount >= 5)
        for n in 1...message.listedCount {
            #expect(texts.contains { $0.contains("Reason: Reason \(n): xxx") })
        }
        let note = try #require(texts.first { $0.hasPrefix("… and ") })
        #expect(note.hasPrefix("… and \(1_000 - message.listedCount) more in this digest (\(1_000 - message.listedCount) twilio-rejected, "))
        #expect(note.hasSuffix("or the operator page (/ui/rejections, with their reasons, and /ui/profiles)."))
    }

    @Test("Teams: the same content as Slack in TextRuns, every value as written, control characters folded")
    func teamsDigest() throws {
        let events = [D.event(1, name: "Acme Corp"), D.event(2, to: "twilio-rejected", reason: "Name mismatch (18601)", name: "Beta")]
        let (card, body) = try D.teams(events)
        #expect(card.listedCount == 2)
        #expect(body.map { $0["type"] as? String } == ["TextBlock", "RichTextBlock", "RichTextBlock", "RichTextBlock", "RichTextBlock"])
        let (literal, markdown) = D.runs(body)
        #expect(markdown == ["2 status changes: 1 twilio-approved, 1 twilio-rejected"])
        #expect(body[0]["color"] as? String == "Attention")
        #expect(literal == [
            "✅ Acme Corp · BU00000000000000000000000000000001 · pending-review → twilio-approved · 10:00:01",
            "🔴 Beta · BU00000000000000000000000000000002 · pending-review → twilio-rejected · 10:00:02",
            "      Reason: Name mismatch (18601)",
            "statushook · sink ops · digest #101-2 · deliveries 101–102 · oldest first, times UTC on 2026-12-06",
        ])
    }

    @Test("Teams: hostile values go only into TextRuns, exactly as written but on one line", arguments: ChatFixtures.hostile)
    func teamsHostile(value: String) throws {
        let (_, body) = try D.teams([D.event(1, to: "twilio-rejected", reason: value, name: value)])
        let (literal, markdown) = D.runs(body)
        let folded = ChatDigestContent.oneLine(value)
        #expect(markdown == ["1 status change: 1 twilio-rejected"])
        #expect(literal[0] == "🔴 \(ChatContent.cut(folded, limit: ChatDigestContent.nameLimit)) · BU00000000000000000000000000000001 · "
                + "pending-review → twilio-rejected · 10:00:01")
        #expect(literal[1] == "      Reason: \(folded)")
        #expect(literal.allSatisfy { !$0.contains("\n") })
    }

    @Test("Teams: 1,000 transitions stay under its 28 KB with every rejection listed; a note counts the rest")
    func teamsThousand() throws {
        let events = D.burst(1_000, rejectEvery: 20, name: { "Company with a longer name \($0) ÄÖÜ" })
        let (card, body) = try D.teams(events)
        #expect(card.body.count <= TeamsCard.byteLimit)
        let literal = D.runs(body).literal.joined(separator: "\n")
        for event in events where event.to == "twilio-rejected" {
            #expect(literal.contains("Reason: Business name mismatch for #\(event.transitionID) (18601)"))
        }
        #expect(card.listedCount > 80 && card.listedCount < 1_000)
        #expect(literal.contains("… and \(1_000 - card.listedCount) more in this digest (\(1_000 - card.listedCount) twilio-approved, "))
        #expect(literal.contains("one Teams message holds no more"))
        let worst = try D.teams(D.burst(1_000, rejectEvery: 1, name: { _ in String(repeating: "\"\u{1}😀", count: 400) },
                                        reason: { _ in String(repeating: "\\\u{7f}日", count: 2_000) }))
        #expect(worst.card.body.count <= TeamsCard.byteLimit && worst.card.listedCount >= 1)
    }

    @Test("the choice of what fits: everything when it does; else the oldest rejections, then the oldest of the rest")
    func listedChoice() {
        let rejected = [false, true, false, true, false]
        #expect(ChatDigestContent.listed(costs: [1, 1, 1, 1, 1], rejected: rejected, whole: 5, withNote: 3) == [0, 1, 2, 3, 4])
        #expect(ChatDigestContent.listed(costs: [1, 1, 1, 1, 1], rejected: rejected, whole: 4, withNote: 3) == [0, 1, 3])
        #expect(ChatDigestContent.listed(costs: [1, 2, 1, 2, 1], rejected: rejected, whole: 4, withNote: 3) == [0, 1])
        #expect(ChatDigestContent.listed(costs: [2, 2, 1, 2, 1], rejected: rejected, whole: 4, withNote: 3) == [1])
        #expect(ChatDigestContent.listed(costs: [9, 9], rejected: [false, false], whole: 10, withNote: 8) == [])
    }
}

@Suite("Chat: the sink driver sends a digest as one post")
struct ChatDigestDriverTests {
    /// Runs `body` with a driver on a thread of our own (the driver blocks), as the dispatcher does.
    func withDriver<T: Sendable>(_ url: String, service: ChatService = .slack,
                                 _ body: @escaping @Sendable (ChatSinkDriver) -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let driver = ChatSinkDriver(name: "ops", service: service, settings: ChatSinkSettings(url: url, timeout: .seconds(5)))
                continuation.resume(returning: body(driver))
            }
        }
    }

    @Test("one POST for the digest, recorded 'in digest #<first>-<size> of <size>' with the answer, never the URL")
    func oneRequest() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/services/T0/B0/SECRETSECRET")
        let events = DigestFixtures.burst(25)
        let outcome = await withDriver(url) { $0.deliverDigest(events) }
        guard case .delivered(let detail) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(detail.hasPrefix("in digest #101-25 of 25: Slack answered HTTP 200"))
        let recorded = try receiver.recorded()
        #expect(recorded.count == 1)
        #expect(recorded.first?.bodyBytes == SlackDigestMessage(events, sink: "ops").body)

        let teams = await withDriver(url, service: .teams) { $0.deliverDigest(events) }
        #expect(teams.detail.hasPrefix("in digest #101-25 of 25: Teams answered HTTP 200"))
    }

    @Test("a failed digest's detail names the digest and is scrubbed of the URL")
    func scrubbed() async throws {
        let receiver = try HTTPTestReceiver()
        let url = receiver.url("/services/T0/B0/SECRETSECRET")
        receiver.stop()
        let outcome = await withDriver(url) { $0.deliverDigest(DigestFixtures.burst(3)) }
        #expect(outcome.name == "transient")
        #expect(outcome.detail.hasPrefix("in digest #101-3 of 3: "))
        #expect(!outcome.detail.contains("SECRETSECRET"))
    }

    @Test("a 429's Retry-After holds the digest back too")
    func rateLimitHoldsDigests() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/services/T0/B0/SECRET?status=429,200&retry_after=2")
        let (first, digest, waited) = await withDriver(url) { driver in
            let first = driver.deliver(.transition(DigestFixtures.event(1)))
            let started = ContinuousClock.now
            let digest = driver.deliverDigest(DigestFixtures.burst(12))
            return (first, digest, ContinuousClock.now - started)
        }
        #expect(first.name == "transient")
        #expect(digest.name == "delivered")
        #expect(waited >= .milliseconds(1_800), "the digest went out \(waited) after a 429 asking for 2s")
    }
}
