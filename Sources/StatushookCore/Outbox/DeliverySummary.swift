/// One delivery as `statushook deliveries` and the history API list it.
public struct DeliverySummary: Sendable, Equatable {
    public var id: Int64
    public var sink: String
    /// `pending`, `delivering`, `delivered` or `dead`.
    public var state: String
    public var subject: Subject
    /// Attempts recorded for it, abandoned ones and those before a replay included.
    public var attempts: Int
    public var lastError: String?
    /// RFC 3339, UTC, as every time here.
    public var createdAt: String
    public var nextAttemptAt: String
    public var finishedAt: String?

    /// What the delivery is about.
    public enum Subject: Sendable, Equatable {
        case transition(id: Int64, sid: String, from: String?, to: String)
        /// A notice that `sink` was paused.
        case notice(id: Int64, sink: String)
    }

    public init(id: Int64, sink: String, state: String, subject: Subject, attempts: Int, lastError: String?,
                createdAt: String, nextAttemptAt: String, finishedAt: String?) {
        self.id = id
        self.sink = sink
        self.state = state
        self.subject = subject
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
    }
}

/// One recorded attempt (`delivery_attempts`).
public struct DeliveryAttempt: Sendable, Equatable {
    public var attempt: Int
    public var worker: String
    public var startedAt: String
    public var durationMilliseconds: Int
    /// ``AttemptOutcome/name``, or `abandoned` when the worker's lease ran out.
    public var outcome: String
    public var detail: String

    public init(attempt: Int, worker: String, startedAt: String, durationMilliseconds: Int, outcome: String, detail: String) {
        self.attempt = attempt
        self.worker = worker
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.detail = detail
    }
}

/// A sink the outbox does not deliver to until the operator resumes it.
public struct PausedSink: Sendable, Equatable {
    public var sink: String
    public var pausedAt: String?
    public var reason: String?
    public var consecutiveFailures: Int

    public init(sink: String, pausedAt: String?, reason: String?, consecutiveFailures: Int) {
        self.sink = sink
        self.pausedAt = pausedAt
        self.reason = reason
        self.consecutiveFailures = consecutiveFailures
    }
}

/// The finished states `statushook replay` puts back in the queue.
public enum ReplayableState: String, Sendable, CaseIterable {
    case dead
    case delivered
}
