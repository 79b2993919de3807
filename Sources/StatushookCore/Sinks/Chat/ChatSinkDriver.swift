import Foundation
import HTTPClient
import Locking

/// The slack and teams sinks: one `POST` of the rendered message per delivery to the webhook URL,
/// or one per digest when a burst waits (`digest_after`).
///
/// Each dispatcher thread has its own driver, and so its own ``HTTPClient`` (one keep-alive
/// connection per thread). The URL is a credential: it goes to the client and nowhere else, and
/// every detail is scrubbed of it before it is recorded or logged.
public final class ChatSinkDriver: DigestSinkDriver {
    public let name: String
    private let service: ChatService
    private let settings: ChatSinkSettings
    /// Shared by every driver of this sink (one per dispatcher thread): a wait the service asked
    /// of one of them holds them all back.
    private let window: Locked<ChatSendWindow>
    /// Made on the first delivery, dropped by `reset`.
    private var client: HTTPClient?

    public convenience init(name: String, service: ChatService, settings: ChatSinkSettings) {
        self.init(name: name, service: service, settings: settings, window: Locked(ChatSendWindow()))
    }

    init(name: String, service: ChatService, settings: ChatSinkSettings, window: Locked<ChatSendWindow>) {
        self.name = name
        self.service = service
        self.settings = settings
        self.window = window
    }

    public func deliver(_ payload: DeliveryPayload) -> AttemptOutcome {
        post(service.body(for: payload))
    }

    public var digestAfter: Int { settings.digestAfter }
    public var digestInterval: Duration { settings.digestInterval }
    public var digestLimit: Int { service.digestLimit }

    /// Recorded for each of its deliveries as `in digest #<first delivery>-<size> of <size>: <answer>`,
    /// the name its message's context line shows.
    public func deliverDigest(_ events: [TransitionEvent]) -> AttemptOutcome {
        let digest = service.digest(of: events, sink: name)
        return post(digest.body).described("in digest \(digest.digestID) of \(events.count)")
    }

    /// One `POST`, after any wait the service asked of this sink; the outcome scrubbed of the URL.
    private func post(_ body: [UInt8]) -> AttemptOutcome {
        let headers = [("Content-Type", "application/json; charset=utf-8")]
        let client = self.client ?? HTTPClient(userAgent: "statushook/\(StatushookVersion.current)")
        self.client = client
        let clock = ContinuousClock()
        let hold = window.withLock { $0.hold(now: clock.now, longest: settings.timeout) }
        if hold > .zero {
            Thread.sleep(forTimeInterval: Double(hold.components.seconds) + Double(hold.components.attoseconds) * 1e-18)
        }
        let outcome: AttemptOutcome
        do {
            let response = try client.post(url: settings.url.secret, headers: headers, body: body, timeout: settings.timeout)
            outcome = ChatResponseRules.outcome(service: service, response: response, now: Timestamp.now().seconds)
        } catch {
            outcome = WebhookResponseRules.outcome(for: error)
        }
        window.withLock { $0.record(outcome, now: clock.now) }
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
