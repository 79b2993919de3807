import Foundation

/// The value grammar of addresses: listen address, smarthost, URLs, paths, mail addresses,
/// database URL and webhook secrets.
///
/// Rules quote no value back: URLs and secrets may carry credentials.
enum AddressSyntax {
    /// `127.0.0.1:8080` or `[::1]:8080`: the host (numeric, without brackets) and the port.
    static func listenAddress(_ text: Substring) throws(ValueRule) -> (host: String, port: UInt16) {
        guard let parts = split(text), let portText = parts.port, let port = port(portText),
              parts.bracketed ? IPAddressText.parseIPv6(parts.host) != nil : IPAddressText.parseIPv4(parts.host) != nil
        else {
            throw ValueRule("expected a numeric IPv4 address, or an IPv6 address in brackets, then ':' and a port from 1 to 65535 (127.0.0.1:8080, [::1]:8080)")
        }
        return (String(parts.host), port)
    }

    /// `smtp.example.com:587`, `192.0.2.25:25` or `[2001:db8::25]:25`; the host without brackets.
    static func hostAndPort(_ text: Substring) throws(ValueRule) -> (host: String, port: UInt16) {
        guard let parts = split(text), let portText = parts.port, let port = port(portText), isHost(parts) else {
            throw ValueRule("expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)")
        }
        return (String(parts.host), port)
    }

    /// An absolute http or https URL with a host, on one line, without fragment, and without
    /// query unless `allowsQuery`; trailing `/` of its path removed when `trimsTrailingSlash`.
    static func httpURL(_ text: Substring, allowsQuery: Bool, trimsTrailingSlash: Bool) throws(ValueRule) -> String {
        guard let schemeEnd = text.range(of: "://"), ["http", "https"].contains(text[..<schemeEnd.lowerBound].lowercased()) else {
            throw ValueRule("expected an http:// or https:// URL")
        }
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F }) else {
            throw ValueRule("a URL may not contain spaces, control or non-ASCII characters (percent-encode them)")
        }
        guard !text.contains("#") else { throw ValueRule("a URL here may not have a fragment ('#')") }
        guard allowsQuery || !text.contains("?") else { throw ValueRule("a URL here may not have a query ('?')") }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        guard let parts = split(hostPort), isHost(parts), parts.port.map({ port($0) != nil }) ?? true else {
            throw ValueRule("expected the URL's host, then optionally ':' and a port from 1 to 65535")
        }
        var url = text
        if trimsTrailingSlash {
            while url.last == "/", url.endIndex > authorityEnd { url = url.dropLast() }
        }
        return String(url)
    }

    /// A request path as the proxy passes it on: starts with `/`, no query, fragment or blanks.
    static func callbackPath(_ text: Substring) throws(ValueRule) -> String {
        guard text.first == "/",
              text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F && $0 != "?" && $0 != "#" })
        else {
            throw ValueRule("expected a path starting with '/', without '?', '#', spaces or non-ASCII characters")
        }
        return String(text)
    }

    /// A `postgres://` or `postgresql://` URL, or a libpq `key=value` conninfo.
    static func databaseURL(_ text: Substring) throws(ValueRule) -> String {
        let lowered = text.lowercased()
        let isURL = lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
        guard isURL || (!text.contains("://") && text.contains("=")) else {
            throw ValueRule("expected a postgres:// or postgresql:// URL, or a libpq conninfo such as 'host=/tmp dbname=statushook'")
        }
        return String(text)
    }

    /// Checked loosely, as mail servers have the last word: one `@` with text either side, and
    /// nothing that could end the address in an SMTP command or a header.
    static func mailAddress(_ text: Substring) throws(ValueRule) -> String {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let forbidden: Set<Unicode.Scalar> = ["<", ">", ",", " ", "\t", "\r", "\n"]
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              text.unicodeScalars.allSatisfy({ !forbidden.contains($0) && $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw ValueRule("expected a mail address: one '@', no spaces, '<', '>' or ','")
        }
        return String(text)
    }

    /// The name given in `EHLO`: visible ASCII, no spaces (`hooks.example.com`, `[192.0.2.1]`).
    static func helloName(_ text: Substring) throws(ValueRule) -> String {
        guard text.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw ValueRule("expected a host name or address literal, without spaces")
        }
        return String(text)
    }

    /// `whsec_` then standard base64 with padding, as Standard Webhooks writes secrets.
    static func webhookSecret(_ text: Substring) throws(ValueRule) -> String {
        let encoded = text.dropFirst("whsec_".count)
        guard text.hasPrefix("whsec_"), !encoded.isEmpty, Data(base64Encoded: String(encoded)) != nil else {
            throw ValueRule("expected 'whsec_' followed by base64")
        }
        return String(text)
    }

    /// A DNS name or a dotted IPv4 address: labels of letters, digits and inner '-'.
    static func isHostName(_ text: Substring) -> Bool {
        guard (1...253).contains(text.utf8.count) else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; nil when a bracket or what follows it is wrong.
    private static func split(_ text: Substring) -> (host: Substring, port: Substring?, bracketed: Bool)? {
        guard text.first == "[" else {
            guard let colon = text.lastIndex(of: ":") else { return (text, nil, false) }
            return (text[..<colon], text[text.index(after: colon)...], false)
        }
        guard let close = text.firstIndex(of: "]") else { return nil }
        let host = text[text.index(after: text.startIndex)..<close]
        let afterHost = text[text.index(after: close)...]
        if afterHost.isEmpty { return (host, nil, true) }
        guard afterHost.first == ":" else { return nil }
        return (host, afterHost.dropFirst(), true)
    }

    /// A DNS name or IPv4 address unbracketed, an IPv6 address in brackets.
    private static func isHost(_ parts: (host: Substring, port: Substring?, bracketed: Bool)) -> Bool {
        parts.bracketed ? IPAddressText.parseIPv6(parts.host) != nil : isHostName(parts.host)
    }

    /// 1 to 65535, decimal.
    private static func port(_ text: Substring) -> UInt16? {
        guard text.utf8.count <= 5, let port = ValueSyntax.decimal(text), (1...65535).contains(port) else { return nil }
        return UInt16(port)
    }
}
