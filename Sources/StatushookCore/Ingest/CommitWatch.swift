import PostgresClient

/// What a COMMIT that returned means for the answers, judged by the WARNINGs that came with it.
enum CommitDurability: Equatable {
    case durable
    /// Committed on this server, but its wait for the synchronous standby was cancelled: not
    /// replicated, so a failover now would lose it. Not an acknowledgement.
    case notReplicated(String)

    /// The server reports a cancelled wait for a synchronous standby as WARNING 01000
    /// ("canceling wait for synchronous replication …", worded in `lc_messages`, hence the
    /// SQLSTATE). The batch's own statements raise no warning, so any 01000 of its transaction
    /// is taken as that.
    static func of(warnings: [PostgresNotice]) -> CommitDurability {
        guard let warning = warnings.first(where: { $0.severity == "WARNING" && $0.sqlState == "01000" }) else {
            return .durable
        }
        return .notReplicated(warning.message)
    }
}

/// How long the ingest writer's batch may take, decided without I/O: past the earliest
/// `commit_timeout` deadline of its callbacks they are all answered 503 (their commit's outcome
/// is unknown; Twilio's retry is harmless) and the statement is cancelled, so that the
/// connection comes back and later batches are not stuck behind it; a statement that outlives
/// its cancel by `breakAfter` (a server that answers nothing) loses its connection.
enum CommitWatchPlan {
    enum Stage: Equatable {
        /// Within its deadline.
        case waiting
        /// Answered 503 at this instant (and cancelled if a statement was out).
        case answered(ContinuousClock.Instant)
        /// Its connection was broken; nothing more to do.
        case broken
    }

    enum Step: Equatable {
        case none
        /// Answer every callback of the batch 503, and cancel the statement when one is out.
        case answer(cancel: Bool)
        /// Shut the connection's socket down: the cancel did not end the statement.
        case breakConnection
    }

    static let breakAfter = Duration.seconds(2)

    static func step(now: ContinuousClock.Instant, deadline: ContinuousClock.Instant, stage: Stage,
                     statementOut: Bool) -> Step {
        switch stage {
        case .waiting:
            return now >= deadline ? .answer(cancel: statementOut) : .none
        case .answered(let at):
            return statementOut && now - at >= breakAfter ? .breakConnection : .none
        case .broken:
            return .none
        }
    }
}
