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
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), microseconds)
    }
}
