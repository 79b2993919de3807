import HTTPClient

/// The slack and teams sinks: one `POST` of the rendered message per delivery to the webhook URL.
///
/// Each dispatcher thread has its own driver, and so its own ``HTTPClient`` (one keep-alive
/// connection per thread). The URL is a credential: it goes to the client and nowhere else, and
/// every detail is scrubbed of it before it is recorded or logged.
public final class ChatSinkDriver: SinkDriver {
    public let name: String
    private let service: ChatService
    private let settings: ChatSinkSettings
    /// Made on the first delivery, dropped by `reset`.
    private var client: HTTPClient?

    public init(name: String, service: ChatService, settings: ChatSinkSettings) {
        self.name = name
        self.service = service
        self.settings = settings
    }

    public func deliver(_ payload: DeliveryPayload) -> AttemptOutcome {
        let body = service.body(for: payload)
        let headers = [("Content-Type", "application/json; charset=utf-8")]
        let client = self.client ?? HTTPClient(userAgent: "statushook/\(StatushookVersion.current)")
        self.client = client
        let outcome: AttemptOutcome
        do {
            let response = try client.post(url: settings.url.secret, headers: headers, body: body, timeout: settings.timeout)
            outcome = ChatResponseRules.outcome(service: service, response: response, now: Timestamp.now().seconds)
        } catch {
            outcome = WebhookResponseRules.outcome(for: error)
        }
        return Self.scrubbed(outcome, url: settings.url)
    }

    /// Closes the keep-alive connection.
    public func reset() {
        client = nil
    }

    /// The outcome with the URL taken out of its detail, whatever wrote it.
    static func scrubbed(_ outcome: AttemptOutcome, url: ChatWebhookURL) -> AttemptOutcome {
        switch outcome {
        case .delivered(let detail): .delivered(detail: url.scrubbed(detail))
        case .transient(let detail, let retryAfter): .transient(detail: url.scrubbed(detail), retryAfter: retryAfter)
        case .permanent(let detail): .permanent(detail: url.scrubbed(detail))
        case .gone(let detail): .gone(detail: url.scrubbed(detail))
        }
    }
}
