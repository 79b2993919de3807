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
