/// The body of one `POST` to a Teams Workflows webhook: a message whose one attachment is an
/// Adaptive Card (version 1.4, which Teams renders), saying what ``SlackMessage`` says.
///
/// Adaptive Cards have no escaping rule: `TextBlock` and `FactSet` read a subset of Markdown, so
/// they only carry our own words and checked values (statuses, SIDs, sink names, times, error
/// links we build). Free text from Twilio, a callback or another sink (a friendly name, a
/// reason) goes into a `RichTextBlock`'s `TextRun`, which is shown as written: a name such as
/// `[click](https://evil)` is text, not a link. The whole body stays under ``byteLimit``.
public struct TeamsCard: Sendable, Equatable {
    /// Teams refuses messages over about 28 KB; this leaves room for the HTTP layers around it.
    public static let byteLimit = 27 * 1024

    public var json: JSONValue

    public init(_ payload: DeliveryPayload) {
        self.init(content: ChatContent(payload))
    }

    /// Free text is cut shorter and shorter until the whole body fits (a value can be made of
    /// characters that each take many bytes, or escape to six in JSON).
    init(content: ChatContent) {
        var limit = ChatContent.valueLimit
        var json = Self.message(content, limit: limit)
        while json.bytes.count > Self.byteLimit, limit > 0 {
            limit /= 2
            json = Self.message(content, limit: limit)
        }
        self.json = json
    }

    public var body: [UInt8] { json.bytes }

    static func message(_ content: ChatContent, limit: Int) -> JSONValue {
        var body: [JSONValue] = [
            .object([("type", "TextBlock"), ("text", .string(content.headline)), ("size", "Large"),
                     ("weight", "Bolder"), ("color", .string(color(content.tone))), ("wrap", true)]),
            literal(ChatContent.cut(content.subject, limit: limit), bold: true),
        ]
        if !content.facts.isEmpty {
            let facts = content.facts.map { fact -> JSONValue in
                .object([("title", .string(fact.label)), ("value", .string(ChatContent.cut(fact.value, limit: 200)))])
            }
            body.append(.object([("type", "FactSet"), ("facts", .array(facts))]))
        }
        if let reason = content.reason {
            body.append(.object([("type", "TextBlock"), ("text", .string(reason.label)), ("weight", "Bolder"),
                                 ("wrap", true), ("spacing", "Medium")]))
            body.append(literal(ChatContent.cut(reason.value, limit: limit), bold: false))
        }
        let links = content.errorCodes.filter(ChatContent.isErrorCode).map { "[\($0)](\(ChatContent.errorURL($0)))" }
        if !links.isEmpty {
            let label = links.count == 1 ? "Error code" : "Error codes"
            body.append(.object([("type", "TextBlock"), ("text", .string("**\(label):** " + links.joined(separator: ", "))),
                                 ("wrap", true)]))
        }
        for note in content.notes {
            body.append(.object([("type", "TextBlock"), ("text", .string(note)), ("wrap", true), ("isSubtle", true)]))
        }
        body.append(.object([("type", "TextBlock"), ("text", .string(content.footer)), ("size", "Small"),
                             ("isSubtle", true), ("wrap", true)]))
        return envelope(body)
    }

    /// The Workflows message that carries one Adaptive Card of `body`, full width.
    static func envelope(_ body: [JSONValue]) -> JSONValue {
        let card: JSONValue = .object([
            ("$schema", "http://adaptivecards.io/schemas/adaptive-card.json"),
            ("type", "AdaptiveCard"),
            ("version", "1.4"),
            ("body", .array(body)),
            ("msteams", .object([("width", "Full")])),
        ])
        return .object([
            ("type", "message"),
            ("attachments", .array([.object([
                ("contentType", "application/vnd.microsoft.card.adaptive"),
                ("contentUrl", .null),
                ("content", card),
            ])])),
        ])
    }

    /// The headline's colour: Teams' own names for bad and good news.
    static func color(_ tone: ChatContent.Tone) -> String {
        switch tone {
        case .bad: "Attention"
        case .good: "Good"
        case .neutral: "Default"
        }
    }

    /// A value shown exactly as written: a `TextRun` reads no Markdown.
    private static func literal(_ text: String, bold: Bool) -> JSONValue {
        var run: [(String, JSONValue)] = [("type", "TextRun"), ("text", .string(text))]
        if bold { run.append(("weight", "Bolder")) }
        return .object([("type", "RichTextBlock"), ("inlines", .array([.object(run)]))])
    }
}
