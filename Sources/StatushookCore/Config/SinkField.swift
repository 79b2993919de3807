/// The `type` of a sink.
enum SinkType: String, CaseIterable, Sendable {
    case log, smtp, webhook

    /// "a log sink", "an smtp sink", for messages.
    var withArticle: String {
        self == .log || self == .webhook ? "a \(rawValue) sink" : "an \(rawValue) sink"
    }
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

    var isSecret: Bool {
        self == .password || self == .secret || self == .secretPrevious
    }

    /// The sink types that have this field.
    var sinkTypes: Set<SinkType> {
        switch self {
        case .type, .statuses: Set(SinkType.allCases)
        case .path: [.log]
        case .smarthost, .from, .to, .tls, .username, .password, .hello, .allowPlaintextAuth: [.smtp]
        case .digestAfter, .digestInterval: [.smtp]
        case .timeout: [.smtp, .webhook]
        case .url, .secret, .secretPrevious: [.webhook]
        }
    }

    /// Every field as it may be written, `…_file` forms included, for the given sink types.
    static func writtenForms(for types: Set<SinkType>) -> [String] {
        allCases.filter { !$0.sinkTypes.isDisjoint(with: types) }.flatMap { field in
            field.isSecret ? [field.rawValue, field.rawValue + "_file"] : [field.rawValue]
        }
    }
}
