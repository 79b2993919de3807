/// The `type` of a sink.
enum SinkType: String, CaseIterable, Sendable {
    case log, smtp, webhook, slack, teams

    /// "a log sink", "an smtp sink", for messages.
    var withArticle: String {
        self == .smtp ? "an \(rawValue) sink" : "a \(rawValue) sink"
    }

    /// The sinks that post to a chat service.
    static let chat: Set<SinkType> = [.slack, .teams]
}

/// A setting of one sink: `sink.<name>.<field>`.
enum SinkField: String, CaseIterable, Sendable {
    case type, statuses
    case path
    case smarthost, from, to, tls, username, password, hello
    case allowPlaintextAuth = "allow_plaintext_auth"
    case timeout
    case url, secret
    case secretPrevious = "secret_previous"
    case digestAfter = "digest_after"
    case digestInterval = "digest_interval"

    /// Has a `…_file` form. A URL is one only for a chat sink, where it is the credential: the
    /// assembler refuses `url_file` for a webhook sink (see ``hasFileForm(in:)``).
    var isSecret: Bool {
        self == .password || self == .secret || self == .secretPrevious || self == .url
    }

    /// Whether a sink of one of `types` may give this field in its `…_file` form.
    func hasFileForm(in types: Set<SinkType>) -> Bool {
        self == .url ? !types.isDisjoint(with: SinkType.chat) : isSecret
    }

    /// The sink types that have this field.
    var sinkTypes: Set<SinkType> {
        switch self {
        case .type, .statuses: Set(SinkType.allCases)
        case .path: [.log]
        case .smarthost, .from, .to, .tls, .username, .password, .hello, .allowPlaintextAuth: [.smtp]
        case .digestAfter, .digestInterval: [.smtp, .slack, .teams]
        case .timeout: [.smtp, .webhook, .slack, .teams]
        case .url: [.webhook, .slack, .teams]
        case .secret, .secretPrevious: [.webhook]
        }
    }

    /// Every field as it may be written, `…_file` forms included, for the given sink types.
    static func writtenForms(for types: Set<SinkType>) -> [String] {
        allCases.filter { !$0.sinkTypes.isDisjoint(with: types) }.flatMap { field in
            field.hasFileForm(in: types) ? [field.rawValue, field.rawValue + "_file"] : [field.rawValue]
        }
    }
}
