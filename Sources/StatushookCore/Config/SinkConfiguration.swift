/// One `sink.<name>.…` block: where transitions are notified, and which of them.
public struct SinkConfiguration: Sendable, Equatable {
    /// `[a-z0-9_-]{1,32}`.
    public var name: String
    /// The new statuses this sink is told about; nil means every status.
    public var statuses: [String]?
    public var kind: Kind

    public enum Kind: Sendable, Equatable {
        case log(LogSinkSettings)
        case smtp(SMTPSinkSettings)
        case webhook(WebhookSinkSettings)
        case slack(ChatSinkSettings)
        case teams(ChatSinkSettings)

        /// The `type` as written in the configuration.
        public var typeName: String {
            switch self {
            case .log: "log"
            case .smtp: "smtp"
            case .webhook: "webhook"
            case .slack: "slack"
            case .teams: "teams"
            }
        }
    }

    public init(name: String, statuses: [String]? = nil, kind: Kind) {
        self.name = name
        self.statuses = statuses
        self.kind = kind
    }
}

/// A log sink: one JSON line per transition.
public struct LogSinkSettings: Sendable, Equatable {
    /// A file path (reopened on SIGHUP), or `-` for standard output.
    public var path: String

    public init(path: String = "-") {
        self.path = path
    }
}
