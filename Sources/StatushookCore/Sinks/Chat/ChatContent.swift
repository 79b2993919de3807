/// What a chat message says about one delivery, before any service's markup: the words the Slack
/// and Teams renderings share, so that both say the same thing.
///
/// Values here are raw: each rendering applies its own escaping rule. Long values from Twilio or a
/// callback are cut to `valueLimit` characters here, once for both services.
struct ChatContent: Sendable, Equatable {
    /// A labelled value; `code` asks for a monospace rendering (SIDs, sink names).
    struct Fact: Sendable, Equatable {
        var label: String
        var value: String
        var code: Bool = false
    }

    /// How the news reads: a rejection is bad news, an approval good news, the rest neither.
    enum Tone: Sendable, Equatable {
        case bad, good, neutral
    }

    /// "Customer profile rejected", "statushook: a sink was paused": our own words, never input.
    var headline: String
    var tone: Tone
    /// The profile's friendly name (or its SID when no name is known), or the paused sink's name.
    var subject: String
    /// Status, SID, account: short values, SIDs and statuses only in the checked forms the
    /// callback parser accepts.
    var facts: [Fact]
    /// The failure reason, or a notice's reason: free text from Twilio or a receiver.
    var reason: Fact?
    /// Twilio error codes: five digits each, so a link built from one needs no escaping.
    var errorCodes: [String]
    /// Notes in our own words (an unexpected transition, what to do next).
    var notes: [String]
    /// "statushook · transition TR7 · delivery 42 · 2026-11-22 10:00:00 UTC": where it came from.
    var footer: String

    /// Friendly names and reasons longer than this are cut, with "…": a chat message is read at a
    /// glance, and the full text stays in `statushook history` and the other sinks.
    static let valueLimit = 1_000

    /// The page Twilio keeps for an error code.
    static func errorURL(_ code: String) -> String {
        "https://www.twilio.com/docs/errors/\(code)"
    }

    init(_ payload: DeliveryPayload) {
        switch payload {
        case .transition(let event): self.init(event)
        case .notice(let notice): self.init(notice)
        }
    }

    init(_ event: TransitionEvent) {
        let label = TransitionEmail.label(event.kind)
        switch event.to {
        case "twilio-rejected": (headline, tone) = ("\(label) rejected", .bad)
        case "twilio-approved": (headline, tone) = ("\(label) approved", .good)
        default: (headline, tone) = ("\(label) is now \(event.to)", .neutral)
        }
        subject = Self.cut(event.friendlyName.flatMap { $0.isEmpty ? nil : $0 } ?? event.sid)
        facts = [Fact(label: "Status", value: "\(event.from ?? "(first seen)") → \(event.to)", code: false)]
        facts.append(Fact(label: "SID", value: event.sid, code: true))
        if let account = event.accountSid { facts.append(Fact(label: "Account", value: account, code: true)) }
        reason = event.failureReason.flatMap { $0.isEmpty ? nil : Fact(label: "Failure reason", value: Self.cut($0)) }
        errorCodes = TransitionEmail.merged(event.profile?.errorCodes ?? [],
                                            event.failureReason.map(TransitionEmail.errorCodes(in:)) ?? [])
            .filter(Self.isErrorCode)
        notes = []
        if event.unexpected {
            notes.append("This transition is not one Twilio documents for this status: check the profile in the console.")
        }
        if event.to == "twilio-rejected" {
            notes.append("A rejected \(event.kind?.displayName ?? "profile") must be fixed and resubmitted for review.")
        }
        footer = "statushook · transition TR\(event.transitionID) · delivery \(event.deliveryID) · \(Self.readable(event.occurredAt))"
    }

    init(_ notice: SinkNotice) {
        headline = "statushook: a sink was paused"
        tone = .bad
        subject = notice.sink
        facts = [Fact(label: "Sink", value: notice.sink, code: true), Fact(label: "Since", value: Self.readable(notice.occurredAt))]
        reason = Fact(label: "Why", value: Self.cut(notice.reason))
        errorCodes = []
        notes = ["Its deliveries wait in the outbox. Fix the sink, then run: statushook sinks --resume \(notice.sink)"]
        footer = "statushook · notice NO\(notice.noticeID) · delivery \(notice.deliveryID)"
    }

    /// One line of plain words: what a phone's notification shows.
    var summary: String {
        var line = "\(headline): \(subject)"
        if !errorCodes.isEmpty { line += " (" + errorCodes.joined(separator: ", ") + ")" }
        return line
    }

    /// Five ASCII digits, the only thing ever put in a link we build.
    static func isErrorCode(_ code: String) -> Bool {
        code.utf8.count == 5 && code.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// At most `limit` characters (grapheme clusters, so no emoji or accent is split), "…" marking a cut.
    static func cut(_ text: String, limit: Int = valueLimit) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(limit - 1, 0))) + "…"
    }

    /// `2026-11-22T10:04:31.250000Z` as `2026-11-22 10:04:31 UTC`; any other text as it is.
    static func readable(_ rfc3339: String) -> String {
        let scalars = Array(rfc3339.unicodeScalars)
        guard scalars.count >= 20, scalars[10] == "T", scalars.last == "Z", scalars[19] == "." || scalars[19] == "Z" else {
            return rfc3339
        }
        return String(String.UnicodeScalarView(scalars[0..<10])) + " " + String(String.UnicodeScalarView(scalars[11..<19])) + " UTC"
    }
}
