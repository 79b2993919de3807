/// What a dispatcher worker does with a batch it claimed, decided without I/O.
///
/// The claims are attempted in order and their attempts recorded together: after the last one,
/// or at once after a failure, so that the sink's health (and its pause) is known before its
/// next attempt. A claim is given back unattempted once a recorded failure paused its sink, on a
/// stop, or once half the lease has passed (so that no attempt starts that could outlive it).
///
/// The worker asks ``next(elapsed:stopping:)`` what to do, does it, and reports with
/// ``attempted(_:delivered:)`` or ``recorded(pausing:)``.
struct DispatchBatchRun: Equatable {
    enum Action: Equatable {
        /// Attempt the claim at this index; report with `attempted`.
        case attempt(Int)
        /// Record the attempts of the claims at these indices, in one statement; report with `recorded`.
        case record([Int])
        /// Give the claims at these indices back unattempted: the batch is then over.
        case giveBack([Int])
        /// The batch is over.
        case done
    }

    /// The sink of each claim, in the batch's order.
    private let sinks: [String]
    private let halfLease: Duration
    /// The next claim to look at.
    private var position = 0
    /// Attempted, not yet recorded.
    private var unrecorded: [Int] = []
    /// Given up on: to give back at the end.
    private var unattempted: [Int] = []
    /// Sinks a recorded failure of this batch paused.
    private var paused: Set<String> = []
    /// An attempt failed: its record comes before the next attempt.
    private var recordNow = false
    private var over = false

    init(sinks: [String], lease: Duration) {
        self.sinks = sinks
        halfLease = lease / 2
    }

    /// The next step; `elapsed` since the claim, `stopping` when the dispatcher is.
    mutating func next(elapsed: Duration, stopping: Bool) -> Action {
        if over { return .done }
        if recordNow {
            recordNow = false
            return takeUnrecorded()
        }
        while position < sinks.count {
            let index = position
            position += 1
            if stopping || elapsed >= halfLease || paused.contains(sinks[index]) {
                unattempted.append(index)
                continue
            }
            return .attempt(index)
        }
        if !unrecorded.isEmpty { return takeUnrecorded() }
        over = true
        return unattempted.isEmpty ? .done : .giveBack(unattempted)
    }

    /// The claim at `index` was attempted; a failure is recorded before anything else.
    mutating func attempted(_ index: Int, delivered: Bool) {
        unrecorded.append(index)
        if !delivered { recordNow = true }
    }

    /// The last `record` is written; it paused `sinks` (their other claims go back).
    mutating func recorded(pausing sinks: Set<String>) {
        paused.formUnion(sinks)
    }

    private mutating func takeUnrecorded() -> Action {
        defer { unrecorded.removeAll() }
        return .record(unrecorded)
    }
}
