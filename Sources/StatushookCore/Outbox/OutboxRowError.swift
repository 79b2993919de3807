import PostgresClient

/// A value the outbox's own SQL returned that cannot be read: a bug or a schema out of step.
struct OutboxRowError: Error, CustomStringConvertible {
    var column: String
    var value: String?

    var description: String {
        "the outbox query returned \(value.map { "\"\($0)\"" } ?? "NULL") for \(column)"
    }
}

extension PostgresRow {
    func text(_ column: String) throws(OutboxRowError) -> String {
        guard let value = self[column] else { throw OutboxRowError(column: column, value: nil) }
        return value
    }

    func int64(_ column: String) throws(OutboxRowError) -> Int64 {
        guard let text = self[column], let value = Int64(text) else { throw OutboxRowError(column: column, value: self[column]) }
        return value
    }

    func int(_ column: String) throws(OutboxRowError) -> Int {
        Int(try int64(column))
    }
}

extension Duration {
    /// Whole microseconds, as the outbox's SQL adds them to `now()`; saturating.
    var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000).partialValue
    }

    /// Milliseconds to the nearest, for `delivery_attempts.duration_ms`; within `Int32`.
    var roundedMilliseconds: Int32 {
        let micros = max(wholeMicroseconds, 0)
        return Int32(min((micros + 500) / 1000, Int64(Int32.max)))
    }
}
