import HTTPClient

/// Why a call to the TrustHub API gave no usable answer.
///
/// Descriptions never hold the API's address or the credentials: a transport failure is told by
/// its kind only (libcurl's own text names the host and port).
public enum TrustHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401 or 403: the credentials are wrong or lack the permission. Retrying will not help.
    case unauthorized(status: Int, detail: String)
    /// 429: slow down, for `retryAfter` when the API says.
    case rateLimited(retryAfter: Duration?)
    /// 5xx: the API is in trouble; try again later.
    case unavailable(status: Int, retryAfter: Duration?)
    /// 404 for one profile.
    case notFound
    /// Another status: the request itself was refused.
    case refused(status: Int, detail: String)
    /// No HTTP answer (timeout, connection refused, TLS).
    case transport(HTTPClientError.Kind)
    /// An answer that is not the documented shape.
    case malformed(String)

    public var description: String {
        switch self {
        case .unauthorized(let status, let detail):
            "the TrustHub API refused the credentials (HTTP \(status)\(detail.isEmpty ? "" : ": " + detail)); "
                + "check twilio_account_sid and its auth token, or twilio_api_key/twilio_api_secret"
        case .rateLimited(let retryAfter):
            "the TrustHub API is rate limiting (HTTP 429" + (retryAfter.map { ", Retry-After \($0.components.seconds)s" } ?? "") + ")"
        case .unavailable(let status, _): "the TrustHub API is unavailable (HTTP \(status))"
        case .notFound: "no such profile at the TrustHub API (HTTP 404)"
        case .refused(let status, let detail): "the TrustHub API refused the request (HTTP \(status)\(detail.isEmpty ? "" : ": " + detail))"
        case .transport(let kind): "no answer from the TrustHub API (\(kind.rawValue))"
        case .malformed(let detail): "unexpected answer from the TrustHub API: \(detail)"
        }
    }

    /// How long the API asked us to wait, if it did.
    public var retryAfter: Duration? {
        switch self {
        case .rateLimited(let delay), .unavailable(_, let delay): delay
        default: nil
        }
    }

    /// The outcome label of `statushook_trusthub_requests_total`.
    public var outcomeLabel: String {
        switch self {
        case .unauthorized: "unauthorized"
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .notFound: "not_found"
        case .refused: "refused"
        case .transport: "transport"
        case .malformed: "malformed"
        }
    }

    /// Worth trying again later (rate limits, server trouble, no answer).
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .unavailable, .transport: true
        default: false
        }
    }
}
