/// The body of one Slack incoming-webhook `POST`: `{"text": …, "blocks": […]}`.
///
/// `text` is the notification's words (and what clients without blocks show); the blocks are a
/// header, the facts as two-column fields, the failure reason, the error codes linked to Twilio's
/// pages, and a context line. Every value from Twilio, a callback or another sink goes through
/// ``SlackText`` and, where it is free text (a friendly name, a reason), into a `plain_text`
/// object, which Slack never formats: a name written `*bold*` stays as written. The only links
/// are the ones built here.
public struct SlackMessage: Sendable, Equatable {
    /// Slack's limits (Block Kit reference), in characters.
    static let headerLimit = 150
    static let sectionLimit = 3_000
    static let fieldLimit = 2_000
    static let contextLimit = 2_000
    /// Slack truncates `text` beyond 40,000; a notification line has no use for more than this.
    static let textLimit = 500

    public var json: JSONValue

    public init(_ payload: DeliveryPayload) {
        self.init(content: ChatContent(payload))
    }

    init(content: ChatContent) {
        var blocks: [JSONValue] = []
        // A mark before the words, so that a rejection stands out in a busy channel.
        let mark = switch content.tone {
        case .bad: "🔴 "
        case .good: "✅ "
        case .neutral: ""
        }
        let title = mark + "\(content.headline): \(content.subject)"
        let header = SlackText.escaped(title, limit: Self.headerLimit)
        blocks.append(.object([("type", "header"), ("text", Self.plain(header))]))
        if header != SlackText.escaped(title) {
            // The header cut the name: it is shown whole (up to the section's limit) below it.
            blocks.append(Self.section(Self.plain(SlackText.escaped(content.subject, limit: Self.sectionLimit))))
        }
        let fields = content.facts.map { fact -> JSONValue in
            // Facts are short, checked values (statuses, SIDs, sink names); the cut is a backstop.
            let value = SlackText.escaped(fact.value, limit: Self.fieldLimit / 2)
            return Self.mrkdwn("*\(SlackText.escaped(fact.label))*\n" + (fact.code ? "`\(value.filter { $0 != "`" })`" : value))
        }
        if !fields.isEmpty {
            blocks.append(.object([("type", "section"), ("fields", .array(Array(fields.prefix(10))))]))
        }
        if let reason = content.reason {
            blocks.append(Self.section(Self.plain(SlackText.escaped("\(reason.label): \(reason.value)", limit: Self.sectionLimit))))
        }
        let links = content.errorCodes.compactMap { SlackText.link(ChatContent.errorURL($0), label: $0) }
        if !links.isEmpty {
            let label = links.count == 1 ? "Error code" : "Error codes"
            blocks.append(Self.section(Self.mrkdwn("*\(label):* " + links.joined(separator: ", "))))
        }
        let context = (content.notes + [content.footer]).prefix(10).map { Self.plain(SlackText.escaped($0, limit: Self.contextLimit)) }
        blocks.append(.object([("type", "context"), ("elements", .array(Array(context)))]))
        json = .object([
            ("text", .string(SlackText.escaped(content.summary, limit: Self.textLimit))),
            ("blocks", .array(blocks)),
        ])
    }

    public var body: [UInt8] { json.bytes }

    /// `emoji: false`: a name written `:white_check_mark:` stays text; our own marks are Unicode.
    private static func plain(_ escaped: String) -> JSONValue {
        .object([("type", "plain_text"), ("text", .string(escaped)), ("emoji", false)])
    }

    private static func mrkdwn(_ escaped: String) -> JSONValue {
        .object([("type", "mrkdwn"), ("text", .string(escaped))])
    }

    private static func section(_ text: JSONValue) -> JSONValue {
        .object([("type", "section"), ("text", text)])
    }
}
