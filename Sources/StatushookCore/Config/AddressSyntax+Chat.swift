import Foundation

extension AddressSyntax {
    /// A chat webhook URL: https, or http to `localhost`, `127.0.0.1` or `[::1]` only, so that
    /// the URL (a credential) never crosses a network in the clear. Query allowed (a Workflows
    /// URL carries its signature there).
    static func chatWebhookURL(_ text: Substring) throws(ValueRule) -> String {
        let url = try httpURL(text, allowsQuery: true, trimsTrailingSlash: false)
        guard let schemeEnd = url.range(of: "://") else { throw ValueRule("expected an https:// URL") }
        if url[..<schemeEnd.lowerBound].lowercased() == "https" { return url }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        let host: Substring
        if hostPort.first == "[", let close = hostPort.firstIndex(of: "]") {
            host = hostPort[hostPort.startIndex...close]
        } else {
            host = hostPort.prefix { $0 != ":" }
        }
        guard ["localhost", "127.0.0.1", "[::1]"].contains(host.lowercased()) else {
            throw ValueRule("expected an https:// URL (http:// only to localhost, 127.0.0.1 or [::1]): the URL is the credential")
        }
        return url
    }
}
