/// What the server said it supports in its `EHLO` reply (RFC 5321 §4.1.1.1).
public struct SMTPCapabilities: Sendable, Equatable {
    /// Upper-cased keyword to its parameters: `AUTH` → `["PLAIN", "LOGIN"]`.
    public var keywords: [String: [String]]

    public init(keywords: [String: [String]] = [:]) {
        self.keywords = keywords
    }

    /// From an `EHLO` reply: its first line is the greeting, each further line one extension.
    public init(ehlo reply: SMTPReply) {
        var keywords: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            keywords[keyword, default: []] += words.dropFirst()
        }
        self.init(keywords: keywords)
    }

    public var offersStartTLS: Bool { keywords["STARTTLS"] != nil }
    public var authMechanisms: [String] { keywords["AUTH"] ?? [] }
    /// The `SIZE` limit in bytes; nil when not advertised or 0 (no limit).
    public var sizeLimit: Int? {
        guard let limit = keywords["SIZE"]?.first.flatMap({ Int($0) }), limit > 0 else { return nil }
        return limit
    }
}
