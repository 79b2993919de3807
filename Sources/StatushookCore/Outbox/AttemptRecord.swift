/// One attempt made under a claim, waiting to be recorded with the others of its batch.
public struct AttemptRecord: Sendable, Equatable {
    public var claim: ClaimedDelivery
    public var outcome: AttemptOutcome
    public var decision: DeliveryDecision
    /// RFC 3339, when the attempt began.
    public var startedAt: String
    public var duration: Duration

    public init(claim: ClaimedDelivery, outcome: AttemptOutcome, decision: DeliveryDecision, startedAt: String,
                duration: Duration) {
        self.claim = claim
        self.outcome = outcome
        self.decision = decision
        self.startedAt = startedAt
        self.duration = duration
    }
}
