/// The body of one `POST` to a Teams Workflows webhook that tells a burst: an Adaptive Card with
/// what ``SlackDigestMessage`` says, within ``TeamsCard/byteLimit``.
///
/// As in ``TeamsCard``, free text goes only into `TextRun`s, which read no Markdown: each
/// transition is a `RichTextBlock` holding its line, and a rejection's reason another below it.
/// When the transitions do not all fit, the rejections come first and a note says how many more
/// the digest holds and where to find them.
public struct TeamsDigestCard: Sendable, Equatable {
    /// Room kept for the note on what is left out (a few hundred bytes).
    static let noteRoom = 1_200

    public var json: JSONValue
    /// How many of the digest's transitions the card lists; the note counts the others.
    public var listedCount: Int

    public init(_ events: [TransitionEvent], sink: String) {
        self.init(content: ChatDigestContent(events, sink: sink))
    }

    init(content: ChatDigestContent) {
        let entries = content.entries.map(Self.elements(of:))
        // Each element is one more item of the body's array: its bytes and a comma.
        let costs = entries.map { $0.reduce(0) { $0 + $1.bytes.count + 1 } }
        let room = TeamsCard.byteLimit - Self.message(content, entries: [], note: nil).bytes.count
        var listed = ChatDigestContent.listed(costs: costs, rejected: content.entries.map(\.rejected),
                                              whole: room, withNote: room - Self.noteRoom)
        var json = Self.message(content, entries: listed.map { entries[$0] },
                                note: content.omissionNote(listed: listed, service: .teams))
        // The costs are exact and the note is short, so this only guards the arithmetic.
        while json.bytes.count > TeamsCard.byteLimit, !listed.isEmpty {
            listed.removeLast()
            json = Self.message(content, entries: listed.map { entries[$0] },
                                note: content.omissionNote(listed: listed, service: .teams))
        }
        self.json = json
        listedCount = listed.count
    }

    public var body: [UInt8] { json.bytes }

    static func elements(of entry: ChatDigestContent.Entry) -> [JSONValue] {
        var elements = [literal(entry.line, subtle: false)]
        if let reason = entry.reason {
            elements.append(literal("      Reason: " + reason, subtle: true))
        }
        return elements
    }

    static func message(_ content: ChatDigestContent, entries: [[JSONValue]], note: String?) -> JSONValue {
        var body: [JSONValue] = [
            .object([("type", "TextBlock"), ("text", .string(content.headline)), ("size", "Large"),
                     ("weight", "Bolder"), ("color", .string(TeamsCard.color(content.tone))), ("wrap", true)]),
        ]
        body += entries.flatMap { $0 }
        if let note { body.append(literal(note, subtle: false)) }
        for line in content.notes + [content.context] {
            body.append(literal(line, subtle: true))
        }
        return TeamsCard.envelope(body)
    }

    /// Shown exactly as written, with no space above: the lines read as one list.
    private static func literal(_ text: String, subtle: Bool) -> JSONValue {
        var run: [(String, JSONValue)] = [("type", "TextRun"), ("text", .string(text))]
        if subtle { run.append(("isSubtle", true)) }
        return .object([("type", "RichTextBlock"), ("spacing", "None"), ("inlines", .array([.object(run)]))])
    }
}
