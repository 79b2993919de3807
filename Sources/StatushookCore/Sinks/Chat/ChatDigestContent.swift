/// What a chat digest says about a burst, before any service's markup: the words the Slack and
/// Teams digests share, as single messages share ``ChatContent``.
///
/// Values are raw (each rendering escapes them by its own rule), with one change: control
/// characters (newlines, tabs, NUL) become spaces, since a digest gives each transition one line
/// and a name must not be able to draw a line of its own.
struct ChatDigestContent: Sendable, Equatable {
    /// One transition: its line, and for a rejection Twilio's reason.
    struct Entry: Sendable, Equatable {
        /// "✅ Acme Corp · BU… · in-review → twilio-approved · 10:00:01"
        var line: String
        /// The failure reason of a rejection (cut at ``ChatContent/valueLimit``, as in a single message).
        var reason: String?
        var rejected: Bool
        var to: String
        /// "10:00:01" (or with the date when the digest spans days).
        var time: String
    }

    /// "37 status changes: 30 twilio-approved, 7 twilio-rejected": counts and checked statuses only.
    var headline: String
    var tone: ChatContent.Tone
    /// Oldest first.
    var entries: [Entry]
    /// "#101-37": its first delivery and its size, as the deliveries' attempts name it.
    var digestID: String
    var sink: String
    /// "statushook · sink ops · digest #101-37 · deliveries 101–137 · oldest first, times UTC on 2026-12-06"
    var context: String
    /// Notes in our own words (what an unexpected transition is).
    var notes: [String]

    /// Friendly names longer than this are cut in a line: a digest is read down a column, and the
    /// whole name is in `statushook history` and on the operator page.
    static let nameLimit = 60

    init(_ events: [TransitionEvent], sink: String) {
        precondition(!events.isEmpty, "a digest tells at least one transition")
        self.sink = sink
        var counts: [String: Int] = [:]
        for event in events { counts[event.to, default: 0] += 1 }
        let verdicts = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }
        let changes = events.count == 1 ? "1 status change" : "\(events.count) status changes"
        headline = "\(changes): " + verdicts.joined(separator: ", ")
        tone = counts["twilio-rejected"] != nil ? .bad : counts.keys.allSatisfy { $0 == "twilio-approved" } ? .good : .neutral
        digestID = "#\(events[0].deliveryID)-\(events.count)"

        let days = Set(events.map { Self.dayAndTime($0.occurredAt)?.day })
        let oneDay = days.count == 1 ? days.first ?? nil : nil
        entries = events.map { event in
            let clock = Self.dayAndTime(event.occurredAt)
            let time = oneDay != nil ? clock!.time : clock.map { "\($0.day) \($0.time)" } ?? Self.oneLine(event.occurredAt)
            let mark = switch event.to {
            case "twilio-rejected": "🔴"
            case "twilio-approved": "✅"
            default: "•"
            }
            var parts: [String] = []
            if let name = event.friendlyName.map(Self.oneLine), !name.trimmingCharacters(in: .whitespaces).isEmpty {
                parts.append(ChatContent.cut(name, limit: Self.nameLimit))
            }
            parts.append(event.sid)
            parts.append("\(event.from ?? "(first seen)") → \(event.to)" + (event.unexpected ? " (unexpected)" : ""))
            if event.kind == .trustProduct { parts.append("trust product") }
            parts.append(time)
            let reason = event.to == "twilio-rejected" ? ChatContent.cut(Self.oneLine(event.failureReason ?? "(none given)")) : nil
            return Entry(line: "\(mark) " + parts.joined(separator: " · "), reason: reason,
                         rejected: event.to == "twilio-rejected", to: event.to, time: time)
        }

        let ids = events.map(\.deliveryID)
        let deliveries = events.count == 1 ? "delivery \(ids[0])" : "deliveries \(ids.min()!)–\(ids.max()!)"
        context = "statushook · sink \(sink) · digest \(digestID) · \(deliveries) · oldest first, times UTC"
            + (oneDay.map { " on \($0)" } ?? "")
        notes = events.contains(where: \.unexpected)
            ? ["A transition marked (unexpected) is not one Twilio documents: check that profile in the console."] : []
    }

    /// Which entries a message of bounded size lists, by index, oldest first: all of them when
    /// `costs` add up to at most `whole`; else, within `withNote` (room left for the note saying
    /// what is missing), the oldest rejections while they fit, then the oldest of the others
    /// while they fit. A reason is what someone must act on, an approval is not.
    static func listed(costs: [Int], rejected: [Bool], whole: Int, withNote: Int) -> [Int] {
        if costs.reduce(0, +) <= whole { return Array(costs.indices) }
        var used = 0
        var chosen: [Int] = []
        for wanted in [true, false] {
            for index in costs.indices where rejected[index] == wanted {
                guard used + costs[index] <= withNote else { break }
                used += costs[index]
                chosen.append(index)
            }
        }
        return chosen.sorted()
    }

    /// The words for the entries a message leaves out, or nil when it lists them all: how many,
    /// of which statuses, and where each one can still be found.
    func omissionNote(listed: [Int], service: ChatService) -> String? {
        let listedSet = Set(listed)
        let left = entries.indices.filter { !listedSet.contains($0) }.map { entries[$0] }
        guard let first = left.first, let last = left.last else { return nil }
        var counts: [String: Int] = [:]
        for entry in left { counts[entry.to, default: 0] += 1 }
        let kinds = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let span = first.time == last.time ? first.time : "\(first.time)–\(last.time)"
        let page = left.contains(where: \.rejected) ? "/ui/rejections, with their reasons, and /ui/profiles" : "/ui/profiles"
        return "… and \(left.count) more in this digest (\(kinds), \(span)), not listed: "
            + "one \(service.displayName) message holds no more. Each is recorded as delivered in digest \(digestID): "
            + "see statushook deliveries --sink \(sink) --limit 1000, or the operator page (\(page))."
    }

    /// Control characters and line breaks as spaces.
    static func oneLine(_ text: String) -> String {
        String(text.map { character -> Character in
            character.isNewline || character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : character
        })
    }

    /// `2026-12-06T05:10:00.123456Z` as ("2026-12-06", "05:10:00"); nil for any other text.
    static func dayAndTime(_ rfc3339: String) -> (day: String, time: String)? {
        let readable = ChatContent.readable(rfc3339)
        guard readable != rfc3339, readable.hasSuffix(" UTC") else { return nil }
        let parts = readable.dropLast(4).split(separator: " ")
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
