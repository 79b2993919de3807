import PostgresClient

// Pausing and resuming sinks, and telling the operator through the other sinks.
extension OutboxStore {
    /// The paused sinks, by name.
    public func pausedSinks(on connection: PostgresConnection) throws -> [PausedSink] {
        try connection.query(OutboxSQL.pausedSinks).map { row in
            PausedSink(sink: try row.decode("sink", as: String.self), pausedAt: row["paused_at"], reason: row["paused_reason"],
                       consecutiveFailures: try row.decode("consecutive_failures", as: Int.self))
        }
    }

    /// Pauses `sink`; returns false when it was paused already (its first reason is kept).
    @discardableResult
    public func pause(sink: String, reason: String, on connection: PostgresConnection) throws -> Bool {
        !(try connection.query(OutboxSQL.pause, [sink, reason]).isEmpty)
    }

    /// Resumes `sink` with a clean run of failures and wakes the dispatchers for its backlog;
    /// returns false when it was not paused.
    @discardableResult
    public func resume(sink: String, on connection: PostgresConnection) throws -> Bool {
        try connection.transaction {
            guard try connection.query(OutboxSQL.resume, [sink]).affectedRows == 1 else { return false }
            try connection.notify(Self.channel)
            return true
        }
    }

    /// Records that `pausedSink` was paused and queues a notice of it to each of `recipients` other
    /// than itself and those paused; returns how many were queued.
    ///
    /// The notice row is kept even with no one to tell: it is the record of the pause. Runs inside
    /// the caller's transaction when there is one (``finish(_:outcome:decision:worker:startedAt:duration:noticeRecipients:on:)``).
    @discardableResult
    public func enqueueNotice(pausedSink: String, reason: String, recipients: [String],
                                     on connection: PostgresConnection) throws -> Int {
        let rows = try connection.query(OutboxSQL.enqueueNotice, [
            pausedSink, reason, recipients.postgresText,
        ])
        let queued = try rows[0].decode("queued", as: Int.self)
        if queued > 0 { try connection.notify(Self.channel) }
        return queued
    }
}
