/// What the ingest writer decides about a batch, without I/O: the order its callbacks are
/// recorded in, what each row of the result means, and where a failed transaction leads.
enum IngestBatchPlan {
    /// Where a failed transaction leads.
    enum AfterFailure: Equatable {
        /// The connection is gone: every callback of the batch is answered `unavailable` (Twilio
        /// retries; the idempotency key makes a retry of a commit whose outcome was unknown
        /// harmless) and the connection is dropped.
        case answerUnavailable
        /// A serialization failure or a deadlock with another writer: the same batch again.
        case retry
        /// One bad callback must not sink the others: each is recorded on its own.
        case split
        /// This callback alone was refused, for a reason a retry will not fix.
        case refuse
        /// The batch was answered 503 already (its `commit_timeout` passed and its statement was
        /// cancelled): roll back and stop, no retry and no split.
        case abandon
    }

    /// Tries of one batch in all, when serialization failures or deadlocks keep it from committing.
    static let attempts = 4

    /// After the `attempt`-th try of a batch of `size` failed.
    static func afterFailure(connectionLost: Bool, serializationOrDeadlock: Bool, answered: Bool = false,
                             attempt: Int, size: Int) -> AfterFailure {
        if connectionLost { return .answerUnavailable }
        if answered { return .abandon }
        if serializationOrDeadlock && attempt < attempts { return .retry }
        return size > 1 ? .split : .refuse
    }

    /// The batch's indices in the order they are recorded: by SID, and for one SID in the order
    /// they were queued. Taking profile locks in SID order keeps two batches (two instances)
    /// from deadlocking.
    static func recordingOrder(sids: [String]) -> [Int] {
        sids.indices.sorted { (sids[$0], $0) < (sids[$1], $1) }
    }

    /// The outcome of each callback, in the batch's order, from the rows of
    /// `statushook_record_callbacks` (each names its callback by its 1-based position in
    /// `order`); a callback without a row failed.
    static func outcomes(rows: [(ordinal: Int?, result: String?, transitionID: String?)], order: [Int]) -> [IngestOutcome] {
        var outcomes = [IngestOutcome](repeating: .failed("no result for this callback"), count: order.count)
        for row in rows {
            guard let ordinal = row.ordinal, order.indices.contains(ordinal - 1) else { continue }
            outcomes[order[ordinal - 1]] = outcome(result: row.result, transitionID: row.transitionID)
        }
        return outcomes
    }

    /// What one row says became of a callback.
    static func outcome(result: String?, transitionID: String?) -> IngestOutcome {
        switch result {
        case "recorded":
            return .recorded(transitionID: Int64(transitionID ?? "") ?? 0)
        case "unchanged":
            return .unchanged
        default:
            return .duplicate
        }
    }
}

/// How often the writer tries to reconnect while the database is away; callbacks meanwhile get
/// 503 at once instead of each waiting for a connection attempt.
struct IngestReconnectPacing {
    let interval: Duration
    private var lastAttempt: ContinuousClock.Instant?

    init(interval: Duration) {
        self.interval = interval
    }

    /// Whether to try to connect at `now`; a yes counts as an attempt.
    mutating func mayConnect(now: ContinuousClock.Instant) -> Bool {
        if let lastAttempt, now - lastAttempt < interval { return false }
        lastAttempt = now
        return true
    }
}
