import HTTPClient

/// The webhook sink: a signed `POST` of each payload to the sink's URL.
///
/// Each dispatcher thread has its own driver, and so its own ``HTTPClient``: one keep-alive
/// connection to the receiver per thread, made on first use on that thread.
public final class WebhookSinkDriver: SinkDriver {
    public let name: String
    private let settings: WebhookSinkSettings
    /// The current secret then the previous one, or why they could not be read (the
    /// configuration checks them, so this is a programming error surfacing as a dead delivery).
    private let secrets: Result<[StandardWebhooksSecret], StandardWebhooksSecret.Invalid>
    /// Made on the first delivery, dropped by `reset`.
    private var client: HTTPClient?

    public init(name: String, settings: WebhookSinkSettings) {
        self.name = name
        self.settings = settings
        let texts = [settings.secret] + (settings.secretPrevious.map { [$0] } ?? [])
        secrets = Result { () throws(StandardWebhooksSecret.Invalid) in
            try texts.map { text throws(StandardWebhooksSecret.Invalid) in try StandardWebhooksSecret(text) }
        }
    }

    public func deliver(_ payload: DeliveryPayload) -> AttemptOutcome {
        let secrets: [StandardWebhooksSecret]
        switch self.secrets {
        case .success(let value): secrets = value
        case .failure(let invalid): return .permanent(detail: "sink \(name): \(invalid)")
        }
        let request = WebhookRequest(payload: payload, secrets: secrets, timestamp: Timestamp.now().seconds)
        let client = self.client ?? HTTPClient(userAgent: "statushook/\(StatushookVersion.current)")
        self.client = client
        do {
            let response = try client.post(url: settings.url, headers: request.headers, body: request.body,
                                           timeout: settings.timeout)
            return WebhookResponseRules.outcome(for: response, now: Timestamp.now().seconds)
        } catch {
            return WebhookResponseRules.outcome(for: error)
        }
    }

    /// Closes the keep-alive connection.
    public func reset() {
        client = nil
    }
}
