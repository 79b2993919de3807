/// The body of one Slack incoming-webhook `POST` that tells a burst: a header with the count and
/// the verdicts, the transitions oldest first (one line each, a rejection's reason below it) packed
/// into as few sections as hold them, and a context line naming the digest; `text` says the same
/// for notifications and for clients without blocks.
///
/// Slack documents 50 blocks a message and 3,000 characters a section, and it also refuses blocks
/// whose texts add up to about 12,000 characters (`msg_blocks_too_long`: not documented, reported in
/// slackapi/bolt-js#2509 and #2867), so the blocks' texts stay within ``blockTextBudget``. When the
/// transitions do not all fit, the rejections come first (``ChatDigestContent/listed(costs:rejected:whole:withNote:)``)
/// and a last section says how many more the digest holds and where to find them. Every value
/// goes through ``SlackText`` as in ``SlackMessage``, in `text` too, and the lines sit in
/// plain_text objects, which Slack never formats.
public struct SlackDigestMessage: Sendable, Equatable {
    /// Under the ~12,000 Slack refuses, with room for what it counts that we cannot see.
    static let blockTextBudget = 10_000
    /// The note on what is left out is cut to this (it is a few hundred characters).
    static let noteLimit = 600
    /// A line is a few hundred characters; this bounds one made of escapes or long graphemes.
    static let lineLimit = 500

    public var json: JSONValue
    /// How many of the digest's transitions the message lists; the note counts the others.
    public var listedCount: Int

    public init(_ events: [TransitionEvent], sink: String) {
        self.init(content: ChatDigestContent(events, sink: sink))
    }

    init(content: ChatDigestContent) {
        let mark = switch content.tone {
        case .bad: "🔴 "
        case .good: "✅ "
        case .neutral: ""
        }
        let header = SlackText.escaped(mark + content.headline, limit: SlackMessage.headerLimit)
        let context = ([content.context] + content.notes).map { SlackText.escaped($0, limit: SlackMessage.contextLimit) }
        let entries = content.entries.map(Self.text(of:))
        let room = Self.blockTextBudget - header.utf16.count - context.reduce(0) { $0 + $1.utf16.count }
        let listed = ChatDigestContent.listed(costs: entries.map { $0.utf16.count + 1 }, rejected: content.entries.map(\.rejected),
                                              whole: room, withNote: room - Self.noteLimit)
        let note = content.omissionNote(listed: listed, service: .slack).map { SlackText.escaped($0, limit: Self.noteLimit) }
        // Two sections in a row hold more than a section's limit (else the second's first entry
        // would have joined the first), so 10,000 characters make at most 7: far from 50 blocks.
        let sections = Self.packed(listed.map { entries[$0] }, limit: SlackMessage.sectionLimit)

        var blocks: [JSONValue] = [.object([("type", "header"), ("text", Self.plain(header))])]
        blocks += (sections + (note.map { [$0] } ?? [])).map { .object([("type", "section"), ("text", Self.plain($0))]) }
        blocks.append(.object([("type", "context"), ("elements", .array(context.map(Self.plain)))]))
        let text = ([SlackText.escaped(content.headline)] + listed.map { entries[$0] } + (note.map { [$0] } ?? []))
            .joined(separator: "\n")
        json = .object([("text", .string(text)), ("blocks", .array(blocks))])
        listedCount = listed.count
    }

    public var body: [UInt8] { json.bytes }

    /// One transition's escaped text: its line, and a rejection's reason on the next.
    static func text(of entry: ChatDigestContent.Entry) -> String {
        let line = SlackText.escaped(entry.line, limit: lineLimit)
        guard let reason = entry.reason else { return line }
        let label = "\n      Reason: "
        return line + label + SlackText.escaped(reason, limit: SlackMessage.sectionLimit - lineLimit - label.utf16.count)
    }

    /// `texts` joined by line breaks into as few pieces of at most `limit` UTF-16 units as hold
    /// them, in order; each text is at most `limit` already.
    static func packed(_ texts: [String], limit: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        for text in texts {
            if current.isEmpty {
                current = text
            } else if current.utf16.count + 1 + text.utf16.count <= limit {
                current += "\n" + text
            } else {
                pieces.append(current)
                current = text
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// `emoji: false`, as in ``SlackMessage``: a name written `:white_check_mark:` stays text.
    private static func plain(_ escaped: String) -> JSONValue {
        .object([("type", "plain_text"), ("text", .string(escaped)), ("emoji", false)])
    }
}
