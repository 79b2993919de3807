/// Rebuilds the URL Twilio signed (docs/contract.md §1.1).
public struct SignedURLBuilder: Sendable, Equatable {
    /// External scheme, host, optional port and path prefix; trailing slashes dropped.
    public let publicURL: String?
    public let trustedProxies: TrustedProxies

    public init(publicURL: String?, trustedProxies: TrustedProxies) {
        if let publicURL, !publicURL.isEmpty {
            var trimmed = Substring(publicURL)
            while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            self.publicURL = String(trimmed)
        } else {
            self.publicURL = nil
        }
        self.trustedProxies = trustedProxies
    }

    /// The signed URL for a request.
    ///
    /// `target` is the request's path and query exactly as received; `header` looks a request
    /// header up case-insensitively. With `publicURL`: publicURL + target. Without: for a trusted
    /// peer, the scheme, host and port from `X-Forwarded-Proto`, `-Host` and `-Port` (the first
    /// entry of each comma list, trimmed), falling back to `http` and `Host`; for any other peer,
    /// `http://` + `Host`. A forwarded port replaces the host's port and is left out when it is
    /// the scheme's default (the port variants accept both).
    public func signedURL(target: String, peer: String, header: (String) -> String?) -> String {
        if let publicURL { return publicURL + target }
        let host = header("Host").map(Self.firstEntry) ?? ""
        guard trustedProxies.contains(peer) else { return "http://" + host + target }

        var scheme = "http"
        if let proto = header("X-Forwarded-Proto").map(Self.firstEntry)?.lowercased(), proto == "https" || proto == "http" {
            scheme = proto
        }
        var authority = host
        if let forwardedHost = header("X-Forwarded-Host").map(Self.firstEntry), !forwardedHost.isEmpty {
            authority = forwardedHost
        }
        if let port = header("X-Forwarded-Port").map(Self.firstEntry), !port.isEmpty,
           port.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) {
            let hostOnly = SignedURLParts.splitHostPort(Substring(authority)).host
            authority = port == SignedURLParts.defaultPort(forScheme: scheme) ? String(hostOnly) : hostOnly + ":" + port
        }
        return scheme + "://" + authority + target
    }

    /// The first entry of a comma list, without surrounding spaces and tabs.
    private static func firstEntry(_ value: String) -> String {
        let first = value.unicodeScalars.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = first.firstIndex(where: { !isSpace($0) }), let end = first.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(String.UnicodeScalarView(first[start...end]))
    }
}
