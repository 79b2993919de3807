import Foundation

/// RFC 3339 timestamps in UTC with microseconds, the precision PostgreSQL keeps.
public enum Timestamp {
    /// Now, as seconds and microseconds since the epoch.
    public static func now() -> (seconds: Int64, microseconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return (Int64(now.tv_sec), Int(now.tv_nsec / 1000))
    }

    /// "2026-11-22T22:41:31.123456Z".
    public static func iso8601(seconds: Int64, microseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        // Digits by hand: String(format:) costs more than the rest of a callback's parsing.
        var text = ""
        text.reserveCapacity(27)
        appendDigits(Int(parts.tm_year) + 1900, width: 4, to: &text)
        text += "-"
        appendDigits(Int(parts.tm_mon) + 1, width: 2, to: &text)
        text += "-"
        appendDigits(Int(parts.tm_mday), width: 2, to: &text)
        text += "T"
        appendDigits(Int(parts.tm_hour), width: 2, to: &text)
        text += ":"
        appendDigits(Int(parts.tm_min), width: 2, to: &text)
        text += ":"
        appendDigits(Int(parts.tm_sec), width: 2, to: &text)
        text += "."
        appendDigits(microseconds, width: 6, to: &text)
        text += "Z"
        return text
    }

    /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
    private static func appendDigits(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }
}
