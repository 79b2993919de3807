import Dispatch

/// `Duration` in the units the APIs below statushook count in (libcurl and poll take
/// milliseconds, libmicrohttpd seconds, Dispatch nanoseconds, Foundation a `Double` of seconds):
/// one conversion each, exact (through `Int128`) and saturating, so that none drops the
/// sub-second part by accident.
extension Duration {
    public enum Rounding: Sendable {
        /// Toward negative infinity: never longer than the duration.
        case down
        /// Toward positive infinity: a timeout never shorter than asked.
        case up
        /// To the nearest, halves away from zero.
        case nearest
    }

    /// Seconds as a `Double`: Foundation's `TimeInterval` (`Thread.sleep`, `Date`, `NSCondition`) and metrics.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole seconds, rounded as `rounding` says; saturating at `Int64`'s bounds.
    public func seconds(rounded rounding: Rounding) -> Int64 {
        count(perSecond: 1, rounding)
    }

    /// Whole milliseconds, rounded as `rounding` says; saturating.
    public func milliseconds(rounded rounding: Rounding) -> Int64 {
        count(perSecond: 1_000, rounding)
    }

    /// Whole microseconds, rounded as `rounding` says; saturating.
    public func microseconds(rounded rounding: Rounding) -> Int64 {
        count(perSecond: 1_000_000, rounding)
    }

    /// For Dispatch's waits (`DispatchSemaphore`, `DispatchGroup`): whole nanoseconds, rounded up.
    public var dispatchInterval: DispatchTimeInterval {
        .nanoseconds(Int(clamping: count(perSecond: 1_000_000_000, .up)))
    }

    private func count(perSecond units: Int64, _ rounding: Rounding) -> Int64 {
        let attosecondsPerUnit = Int128(1_000_000_000_000_000_000 / units)
        let total = Int128(components.seconds) * 1_000_000_000_000_000_000 + Int128(components.attoseconds)
        var (quotient, remainder) = total.quotientAndRemainder(dividingBy: attosecondsPerUnit)
        switch rounding {
        case .down:
            if remainder < 0 { quotient -= 1 }
        case .up:
            if remainder > 0 { quotient += 1 }
        case .nearest:
            if remainder.magnitude * 2 >= attosecondsPerUnit.magnitude { quotient += remainder > 0 ? 1 : -1 }
        }
        return Int64(clamping: quotient)
    }
}
