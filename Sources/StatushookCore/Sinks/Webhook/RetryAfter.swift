/// The `Retry-After` header (RFC 9110 §10.2.3): how long a receiver asks us to wait.
enum RetryAfter {
    /// `delta-seconds` or an HTTP-date, as a delay from `now` (unix seconds); a date already past
    /// is no delay. `nil` when the value is neither, so the retry schedule applies.
    static func delay(_ value: String, now: Int64) -> Duration? {
        let text = value.trimmed
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            // More digits than Int64 holds is still "a very long time".
            return .seconds(Int64(text) ?? Int64.max)
        }
        guard let date = HTTPDate.parse(text, now: now) else { return nil }
        return .seconds(max(0, date - now))
    }
}

private extension String {
    var trimmed: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
