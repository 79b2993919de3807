/// What one retention sweep deleted (and kept), for its log line, its metrics and the tests.
public struct RetentionReport: Sendable, Equatable {
    /// Rows older than this (RFC 3339, UTC) were candidates.
    public var cutoff: String
    public var callbacks = 0
    public var transitions = 0
    /// Finished deliveries, of transitions and of notices; their attempts went with them.
    public var deliveries = 0
    public var notices = 0
    /// Old transitions and notices kept because a delivery of theirs is still pending or delivering.
    public var kept = 0
    /// Statements run, each one transaction over at most one batch.
    public var batches = 0

    public init(cutoff: String) {
        self.cutoff = cutoff
    }

    public var deleted: Int {
        callbacks + transitions + deliveries + notices
    }
}
