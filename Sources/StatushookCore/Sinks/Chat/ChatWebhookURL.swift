import Foundation

/// A chat webhook URL, which carries its own credential (Slack's path, the `sig` of a Workflows
/// URL): whoever holds it can post to the channel. It is only ever handed to the HTTP client;
/// what people read (details, logs, `statushook deliveries`) gets ``redacted`` instead.
public struct ChatWebhookURL: Sendable, Equatable, CustomStringConvertible {
    /// The whole URL, as configured.
    public let secret: String

    public init(_ secret: String) {
        self.secret = secret
    }

    /// `https://hooks.slack.com/…`: scheme and authority only (without any user info), enough to
    /// tell which service and host a message is about.
    public var redacted: String {
        guard let schemeEnd = secret.range(of: "://") else { return "(a webhook URL)" }
        let rest = secret[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        return String(secret[..<schemeEnd.upperBound]) + String(host) + "/…"
    }

    /// Never the secret, whatever interpolates it.
    public var description: String { redacted }

    /// `text` with the URL and any piece of it past the host (its path, its query) replaced by
    /// the redacted form: for messages written by libcurl or a receiver, which may quote them.
    public func scrubbed(_ text: String) -> String {
        var text = text
        var secrets = [secret]
        if let schemeEnd = secret.range(of: "://") {
            let rest = secret[schemeEnd.upperBound...]
            if let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                let tail = String(rest[pathStart...])
                // A bare "/" (or "/?") is no secret, and replacing it would mangle every message.
                if tail.count > 2 { secrets.append(tail) }
            }
        }
        for piece in secrets where text.contains(piece) {
            text = text.replacingAll(piece, with: redacted)
        }
        return text
    }
}

private extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
