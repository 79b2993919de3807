import PostgresClient

/// The outbox in PostgreSQL: claiming due deliveries under a lease, settling them after an
/// attempt, and the operator's view of them.
///
/// A thin shell over ``OutboxSQL``: the decisions come from ``DeliveryRules`` and ``SinkHealth``.
/// Every method blocks on libpq, so it belongs on a dispatcher or CLI thread, never on Swift's
/// cooperative pool; the connection is the caller's, used by one thread at a time.
public struct OutboxStore: Sendable {
    /// Woken on every new, released, replayed or resumed delivery (0001's ingest notifies it too).
    public static let channel = "statushook_deliveries"

    /// Failures in a row after which a sink is paused (`sink_pause_after`).
    public var sinkPauseAfter: Int

    public init(sinkPauseAfter: Int = 20) {
        self.sinkPauseAfter = sinkPauseAfter
    }

    /// Leases up to `limit` due deliveries of the active ones among `sinks`, oldest due first.
    ///
    /// One statement: of several workers or daemons claiming at once, each delivery goes to one.
    /// Paused sinks are left out here, from `sink_state`, so that a pause by another daemon or the
    /// operator holds at once without the caller keeping track. The attempt count rises by one.
    public func claim(owner: String, sinks: [String], limit: Int, lease: Duration,
                      on connection: PostgresConnection) throws -> [ClaimedDelivery] {
        guard limit > 0, !sinks.isEmpty else { return [] }
        let rows = try connection.query(OutboxSQL.claim, [
            owner, CallbackRecord.textArrayLiteral(sinks), String(limit), String(lease.wholeMicroseconds),
        ])
        return try rows.map { row in
            try ClaimedDelivery(id: row.int64("id"), sink: row.text("sink"), attempt: row.int("attempts"),
                                owner: owner, payload: Self.payload(of: row))
        }
    }

    private static func payload(of row: PostgresRow) throws -> DeliveryPayload {
        let deliveryID = try row.int64("id")
        if row["transition_id"] != nil {
            return .transition(TransitionEvent(
                deliveryID: deliveryID, transitionID: try row.int64("transition_id"), sid: try row.text("sid"),
                accountSid: row["account_sid"], from: row["from_status"], to: try row.text("to_status"),
                failureReason: row["failure_reason"], unexpected: row["unexpected"] == "t",
                occurredAt: try row.text("occurred_at"), friendlyName: row["friendly_name"]))
        }
        return .notice(SinkNotice(
            deliveryID: deliveryID, noticeID: try row.int64("notice_id"), sink: try row.text("notice_sink"),
            reason: try row.text("notice_reason"), occurredAt: try row.text("notice_occurred_at")))
    }

    /// Records an attempt and settles its delivery per `decision`, in one transaction.
    ///
    /// The attempt row is always written (it happened). The delivery changes only while `claim`'s
    /// lease still holds: a lease that ran out was swept and may belong to another worker now, whose
    /// result must stand. The sink's health follows ``SinkHealth``; when this attempt pauses the
    /// sink, a notice is queued for each of `noticeRecipients` that is neither this sink nor paused.
    ///
    /// - Parameter startedAt: RFC 3339, when the attempt began.
    public func finish(_ claim: ClaimedDelivery, outcome: AttemptOutcome, decision: DeliveryDecision,
                       worker: String, startedAt: String, duration: Duration,
                       noticeRecipients: [String] = [], on connection: PostgresConnection) throws -> DeliveryFinish {
        let settlement = Self.settlement(of: decision, outcome: outcome)
        return try connection.transaction {
            let applied = try connection.query(OutboxSQL.settle, [
                String(claim.id), claim.owner, String(claim.attempt), settlement.state,
                settlement.delay.map { String($0.wholeMicroseconds) }, settlement.error,
            ]).affectedRows == 1
            let detail = applied ? outcome.detail : outcome.detail + " (the lease had run out: result not applied)"
            _ = try connection.query(OutboxSQL.recordAttempt, [
                String(claim.id), String(claim.attempt), worker, startedAt,
                String(duration.roundedMilliseconds), outcome.name, detail,
            ])
            guard let pauseReason = try recordHealth(of: claim.sink, after: outcome, on: connection) else {
                return DeliveryFinish(applied: applied)
            }
            let queued = try enqueueNotice(pausedSink: claim.sink, reason: pauseReason,
                                           recipients: noticeRecipients, on: connection)
            return DeliveryFinish(applied: applied, pauseReason: pauseReason, noticeDeliveries: queued)
        }
    }

    /// The delivery's next state, the wait before a retry, and the error to keep.
    private static func settlement(of decision: DeliveryDecision, outcome: AttemptOutcome)
        -> (state: String, delay: Duration?, error: String?) {
        switch decision {
        case .delivered: return ("delivered", nil, nil)
        case .retry(let after): return ("pending", max(after, .zero), outcome.detail)
        case .dead(let reason): return ("dead", nil, reason)
        }
    }

    /// Updates the sink's run of failures; returns why it paused when this attempt paused it.
    private func recordHealth(of sink: String, after outcome: AttemptOutcome,
                              on connection: PostgresConnection) throws -> String? {
        if case .delivered = outcome {
            // The common case needs no row lock, so that workers of one sink do not queue up on it.
            _ = try connection.query(OutboxSQL.resetFailures, [sink])
            return nil
        }
        let row = try connection.query(OutboxSQL.lockSinkState, [sink])[0]
        let health = SinkHealth(consecutiveFailures: try row.int("consecutive_failures"), isPaused: row["paused"] == "t")
        let change = health.recording(outcome, pauseAfter: sinkPauseAfter)
        _ = try connection.query(OutboxSQL.writeFailures, [sink, String(change.health.consecutiveFailures)])
        guard let reason = change.pauseReason else { return nil }
        return try connection.query(OutboxSQL.pause, [sink, reason]).isEmpty ? nil : reason
    }
}
