import Foundation
import HTTPClient

/// What an HTTP exchange with a webhook receiver comes to (docs/contract.md §2): 2xx delivered; 410 gone
/// (the sink is paused); 408, 429 and 5xx transient, with the receiver's `Retry-After`; other
/// 4xx and every 3xx (redirects are never followed) permanent; a network failure transient.
public enum WebhookResponseRules {
    /// The longest `Retry-After` honoured: a receiver cannot park a delivery for days.
    public static let longestRetryAfter: Duration = .seconds(24 * 3_600)
    /// How much of a receiver's body a detail quotes.
    static let quotedBodyCharacters = 200

    /// The outcome of a response; `now` (unix seconds) anchors a `Retry-After` date.
    public static func outcome(status: Int, headers: [(String, String)], body: [UInt8], now: Int64) -> AttemptOutcome {
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1
        }
        let detail = describe(status: status, body: body)
        switch status {
        case 200...299:
            return .delivered(detail: detail)
        case 410:
            return .gone(detail: detail)
        case 408, 429, 500...599:
            let retryAfter = header("retry-after").flatMap { RetryAfter.delay($0, now: now) }.map { min($0, longestRetryAfter) }
            return .transient(detail: detail, retryAfter: retryAfter)
        case 300...399:
            let location = header("location").map { " to \(quoted($0))" } ?? ""
            return .permanent(detail: "HTTP \(status): a redirect\(location), not followed")
        case 400...499:
            return .permanent(detail: detail)
        default:
            // Not a status HTTP defines: a broken receiver, which may yet be fixed.
            return .transient(detail: "unexpected HTTP status \(status)", retryAfter: nil)
        }
    }

    public static func outcome(for response: HTTPClientResponse, now: Int64) -> AttemptOutcome {
        outcome(status: response.status, headers: response.headers, body: response.body, now: now)
    }

    /// The outcome of an exchange that produced no response. Network trouble is transient;
    /// `other` (a malformed URL, a scheme other than http(s)) will not fix itself.
    public static func outcome(for error: HTTPClientError) -> AttemptOutcome {
        switch error.kind {
        case .timeout:
            return .transient(detail: "timed out: \(error.message)", retryAfter: nil)
        case .connect:
            return .transient(detail: "could not connect: \(error.message)", retryAfter: nil)
        case .tls:
            return .transient(detail: "TLS failed: \(error.message)", retryAfter: nil)
        case .network:
            return .transient(detail: "connection broken: \(error.message)", retryAfter: nil)
        case .other:
            return .permanent(detail: "request not sent: \(error.message)")
        }
    }

    /// "HTTP 500: <the start of the body>", on one line.
    private static func describe(status: Int, body: [UInt8]) -> String {
        if body.isEmpty { return "HTTP \(status)" }
        let text = quoted(String(decoding: body, as: UTF8.self)).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)"
    }

    /// At most `quotedBodyCharacters`, control characters as spaces, so a detail stays one line;
    /// the chat sinks quote their receivers' answers the same way.
    static func quoted(_ text: String) -> String {
        var out = ""
        for (count, character) in text.enumerated() {
            if count == quotedBodyCharacters {
                out += "…"
                break
            }
            out.append(character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : character)
        }
        return out
    }
}
