/// An absolute URL cut into the pieces the port variants and the URL rebuild touch.
///
/// Every piece is a slice of the original text, found by Unicode scalars (never by `Character`,
/// which would merge a combining mark into a delimiter): nothing is decoded or re-encoded, so the
/// pieces put back together give the URL byte for byte.
struct SignedURLParts: Equatable {
    /// `https`, as written.
    var scheme: Substring
    /// `user:pass`, without the `@`; nil when the URL has none.
    var userinfo: Substring?
    /// `example.com`, `10.0.0.1` or `[::1]` (brackets kept).
    var host: Substring
    /// The digits after the host's `:`; nil when the URL has no port (an empty port is `""`).
    var port: Substring?
    /// Everything from the first `/`, `?` or `#` after the authority.
    var rest: Substring

    init?(_ url: String) {
        let scalars = url.unicodeScalars
        guard let colon = scalars.firstIndex(of: ":") else { return nil }
        let scheme = url[..<colon]
        guard let first = scheme.unicodeScalars.first, first.isASCIILetter,
              scheme.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "+-.".unicodeScalars.contains($0) }),
              url[colon...].hasPrefix("://")
        else { return nil }
        let afterScheme = url[url.unicodeScalars.index(colon, offsetBy: 3)...]
        let authorityEnd = afterScheme.unicodeScalars.firstIndex(where: { "/?#".unicodeScalars.contains($0) })
            ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var hostPort = authority
        if let at = authority.unicodeScalars.lastIndex(of: "@") {
            userinfo = authority[..<at]
            hostPort = authority[authority.unicodeScalars.index(after: at)...]
        } else {
            userinfo = nil
        }
        let split = Self.splitHostPort(hostPort)
        self.scheme = scheme
        self.host = split.host
        self.port = split.port
        self.rest = afterScheme[authorityEnd...]
    }

    /// The URL again, from its pieces.
    var text: String {
        var out = String(scheme) + "://"
        if let userinfo { out += userinfo + "@" }
        out += host
        if let port { out += ":" + port }
        out += rest
        return out
    }

    /// The URL with any credentials masked, for logs: `https://***@host/…`.
    static func redacted(_ url: String) -> String {
        guard var parts = SignedURLParts(url), parts.userinfo != nil else { return url }
        parts.userinfo = "***"
        return parts.text
    }

    /// The default port of the scheme, for the schemes Twilio calls.
    var defaultPort: String? {
        Self.defaultPort(forScheme: scheme)
    }

    static func defaultPort(forScheme scheme: some StringProtocol) -> String? {
        switch scheme.lowercased() {
        case "https": "443"
        case "http": "80"
        default: nil
        }
    }

    /// The raw query: after the first `?`, up to a `#`; nil when there is no `?`.
    static func rawQuery(of url: String) -> Substring? {
        guard let question = url.unicodeScalars.firstIndex(of: "?") else { return nil }
        let query = url[url.unicodeScalars.index(after: question)...]
        return query[..<(query.unicodeScalars.firstIndex(of: "#") ?? query.endIndex)]
    }

    /// Splits `host:port`, `[v6]:port`, `host` or `[v6]`. Anything else (an unbracketed text with
    /// several colons, a non-numeric port) is all host, so no byte is ever lost.
    static func splitHostPort(_ text: Substring) -> (host: Substring, port: Substring?) {
        let scalars = text.unicodeScalars
        if scalars.first == "[" {
            guard let close = scalars.firstIndex(of: "]") else { return (text, nil) }
            let afterClose = scalars.index(after: close)
            let tail = text[afterClose...]
            if tail.isEmpty { return (text, nil) }
            if tail.unicodeScalars.first == ":", tail.unicodeScalars.dropFirst().allSatisfy(\.isASCIIDigit) {
                return (text[..<afterClose], text[scalars.index(after: afterClose)...])
            }
            return (text, nil)
        }
        guard let colon = scalars.lastIndex(of: ":"), scalars.firstIndex(of: ":") == colon else {
            return (text, nil)
        }
        let port = text[scalars.index(after: colon)...]
        guard port.unicodeScalars.allSatisfy(\.isASCIIDigit) else { return (text, nil) }
        return (text[..<colon], port)
    }
}

fileprivate extension Unicode.Scalar {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
