import Foundation
import HTTPClient

/// What an answer from Slack or Teams comes to, as each documents its webhook's answers.
///
/// Slack (incoming webhooks): 200 `ok` delivered; 429 waits `Retry-After`; 404 (`no_service`,
/// `channel_not_found`, `no_team`), 410 (`channel_is_archived`) and 403 (`action_prohibited`,
/// `team_disabled`, `invalid_token`, `posting_to_general_channel_denied`) pause the sink, since
/// every later message would fail the same way until someone fixes the webhook; 400
/// (`invalid_payload`, `no_text`, `too_many_attachments`, `user_not_found`) is this message's
/// own problem, permanent; 408 and 5xx transient.
///
/// Teams (Workflows webhooks): 202 (and any 2xx) delivered; 429 waits `Retry-After`; 408 and 5xx
/// transient; 410 pauses the sink, as it does for every sink; any other 4xx is permanent.
///
/// Redirects are never followed (a 3xx is permanent, as for the webhook sink). A network failure
/// is transient. Details quote the service's answer, never the URL.
public enum ChatResponseRules {
    public static func outcome(service: ChatService, status: Int, headers: [(String, String)], body: [UInt8],
                               now: Int64) -> AttemptOutcome {
        let answer = quoted(String(decoding: body, as: UTF8.self))
        let detail = "\(service.displayName) answered HTTP \(status)" + (answer.isEmpty ? "" : ": \(answer)")
        switch status {
        case 200...299:
            return .delivered(detail: detail)
        case 408, 429, 500...599:
            let retryAfter = headers.first { $0.0.lowercased() == "retry-after" }
                .flatMap { RetryAfter.delay($0.1, now: now) }
                .map { min($0, WebhookResponseRules.longestRetryAfter) }
            return .transient(detail: detail, retryAfter: retryAfter)
        case 410:
            return .gone(detail: detail)
        case 403 where service == .slack, 404 where service == .slack:
            return .gone(detail: detail)
        case 300...399:
            return .permanent(detail: "\(service.displayName) answered HTTP \(status): a redirect, not followed")
        case 400...499:
            return .permanent(detail: detail)
        default:
            return .transient(detail: "\(service.displayName) answered an unexpected HTTP status \(status)", retryAfter: nil)
        }
    }

    public static func outcome(service: ChatService, response: HTTPClientResponse, now: Int64) -> AttemptOutcome {
        outcome(service: service, status: response.status, headers: response.headers, body: response.body, now: now)
    }

    /// A body on one line, cut as a webhook's answer is (``WebhookResponseRules/quoted(_:)``).
    static func quoted(_ text: String) -> String {
        WebhookResponseRules.quoted(text).trimmingCharacters(in: .whitespaces)
    }
}
