import Hashing

/// The key that makes a retried callback a duplicate (docs/contract.md §1 "Duplicates").
public enum IdempotencyKey {
    /// Tokens longer than this are hashed: the key lives in a unique B-tree index, whose rows
    /// PostgreSQL caps at about 2.7 KB, and a token is a header anyone can make long.
    public static let maximumTokenBytes = 200

    /// `t:` + the `I-Twilio-Idempotency-Token` header when present and non-empty (trimmed), or
    /// `t:sha256:` + its SHA-256 hex when longer than `maximumTokenBytes`; else `h:` + the
    /// SHA-256 hex of SID, status and canonical parameters, each length-prefixed.
    public static func derive(headerToken: String?, content: CallbackContent) -> String {
        if let token = headerToken?.trimmingSpacesAndTabs(), !token.isEmpty {
            let bytes = Array(token.utf8)
            return bytes.count > maximumTokenBytes ? "t:sha256:" + Digest.sha256Hex(bytes) : "t:" + token
        }
        var input: [UInt8] = []
        input += CallbackParser.lengthPrefixed(Array(content.sid.utf8))
        input += CallbackParser.lengthPrefixed(Array(content.status.utf8))
        input += CallbackParser.lengthPrefixed(content.canonicalParams)
        return "h:" + Digest.sha256Hex(input)
    }
}

fileprivate extension String {
    func trimmingSpacesAndTabs() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(self[first...last])
    }
}
