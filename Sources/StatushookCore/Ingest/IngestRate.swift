import Locking

/// Callbacks taken for recording per second, over the last second: ten buckets of 100 ms,
/// decided without I/O. A bucket older than a second counts for nothing.
struct IngestRate: Equatable {
    static let bucket = Duration.milliseconds(100)
    static let buckets = 10

    private let origin: ContinuousClock.Instant
    private var counts = [Int](repeating: 0, count: IngestRate.buckets)
    /// The bucket number (since `origin`) of the newest count.
    private var newest = 0

    init(origin: ContinuousClock.Instant) {
        self.origin = origin
    }

    /// `count` callbacks were taken at `now`.
    mutating func record(_ count: Int, at now: ContinuousClock.Instant) {
        advance(to: number(of: now))
        counts[newest % Self.buckets] += count
    }

    /// Callbacks per second over the second before `now`.
    func perSecond(at now: ContinuousClock.Instant) -> Int {
        let current = number(of: now)
        guard current - newest < Self.buckets else { return 0 }
        var total = 0
        for age in 0..<Self.buckets {
            let bucket = newest - age
            if bucket < 0 { break }
            if current - bucket < Self.buckets { total += counts[bucket % Self.buckets] }
        }
        return total
    }

    private func number(of instant: ContinuousClock.Instant) -> Int {
        max(Int((instant - origin) / Self.bucket), 0)
    }

    /// Empties the buckets between the newest and `bucket`.
    private mutating func advance(to bucket: Int) {
        guard bucket > newest else { return }
        if bucket - newest >= Self.buckets {
            counts = [Int](repeating: 0, count: Self.buckets)
        } else {
            for passed in (newest + 1)...bucket { counts[passed % Self.buckets] = 0 }
        }
        newest = bucket
    }
}

/// How fast callbacks are arriving, as the ingest writer sees them and the dispatcher asks:
/// shared by both, behind a lock taken once per batch and once per dispatcher round.
public final class IngestPressure: Sendable {
    private let rate: Locked<IngestRate>

    public init() {
        rate = Locked(IngestRate(origin: .now))
    }

    /// The writer took `count` callbacks to record.
    func taken(_ count: Int, at now: ContinuousClock.Instant = .now) {
        rate.withLock { $0.record(count, at: now) }
    }

    /// Callbacks per second over the last second.
    public func perSecond(at now: ContinuousClock.Instant = .now) -> Int {
        rate.withLock { $0.perSecond(at: now) }
    }
}
