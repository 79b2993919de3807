/// The chat services a sink can post to, each through a webhook URL that is itself the credential.
public enum ChatService: String, Sendable, Equatable, CaseIterable {
    /// A Slack incoming webhook (`https://hooks.slack.com/services/…`).
    case slack
    /// A Microsoft Teams Workflows webhook ("When a Teams webhook request is received").
    case teams

    /// "Slack", "Teams": for details people read.
    public var displayName: String {
        switch self {
        case .slack: "Slack"
        case .teams: "Teams"
        }
    }

    /// The most transitions one digest tells, so that it lists every one: about 80 lines without
    /// failure reasons fit Slack's 10,000 characters of block text and 150 Teams' 27 KB; the
    /// rest is room for reasons (past it, rejections are listed first and a line counts the rest).
    var digestLimit: Int {
        switch self {
        case .slack: 50
        case .teams: 100
        }
    }

    /// The body of one delivery, rendered for this service.
    public func body(for payload: DeliveryPayload) -> [UInt8] {
        switch self {
        case .slack: SlackMessage(payload).body
        case .teams: TeamsCard(payload).body
        }
    }

    /// The body of one digest of `events` (oldest first) for sink `sink`, and the digest's name
    /// (its first delivery and its size), as the deliveries' attempts record it.
    func digest(of events: [TransitionEvent], sink: String) -> (body: [UInt8], digestID: String) {
        let content = ChatDigestContent(events, sink: sink)
        return switch self {
        case .slack: (SlackDigestMessage(content: content).body, content.digestID)
        case .teams: (TeamsDigestCard(content: content).body, content.digestID)
        }
    }
}
