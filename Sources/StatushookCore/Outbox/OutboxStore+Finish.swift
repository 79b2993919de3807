import PostgresClient
import DurationUnits

// Recording attempts and settling their deliveries, a batch at a time.
extension OutboxStore {
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
        let record = AttemptRecord(claim: claim, outcome: outcome, decision: decision, startedAt: startedAt,
                                   duration: duration)
        return try finish([record], worker: worker, noticeRecipients: noticeRecipients, on: connection)[0]
    }

    /// Records a batch of attempts and settles their deliveries, atomically; returns what each
    /// came to, in order.
    ///
    /// As the single ``finish(_:outcome:decision:worker:startedAt:duration:noticeRecipients:on:)``
    /// applied in order, but a batch of successes costs one statement: their sinks' runs of
    /// failures end together. A sink with a failure in the batch has its health followed attempt by
    /// attempt, in a transaction with the rest. `prepared`: ``prepareStatements(on:)`` ran on this
    /// connection.
    ///
    /// `oneMessage`: the records are one attempt, a digest that told them all at once; its
    /// failure is one failure of its sink, not one per delivery in it.
    public func finish(_ records: [AttemptRecord], worker: String, noticeRecipients: [String] = [],
                       prepared: Bool = false, oneMessage: Bool = false,
                       on connection: PostgresConnection) throws -> [DeliveryFinish] {
        guard !records.isEmpty else { return [] }
        let failingSinks = Set(records.filter { !$0.outcome.isDelivered }.map(\.claim.sink))
        let healthySinks = Array(Set(records.map(\.claim.sink)).subtracting(failingSinks)).sorted()
        let parameters = Self.finishParameters(records, worker: worker, healthySinks: healthySinks)
        if failingSinks.isEmpty {
            let settled = Set(try run(.finishBatch, parameters, prepared: prepared, on: connection).map { try $0.decode("id", as: Int64.self) })
            return records.map { DeliveryFinish(applied: settled.contains($0.claim.id)) }
        }
        return try connection.transaction {
            let settled = Set(try run(.finishBatch, parameters, prepared: prepared, on: connection).map { try $0.decode("id", as: Int64.self) })
            var finishes: [DeliveryFinish] = []
            var counted: Set<String> = []
            for record in records {
                var finish = DeliveryFinish(applied: settled.contains(record.claim.id))
                if failingSinks.contains(record.claim.sink), !oneMessage || counted.insert(record.claim.sink).inserted,
                   let pauseReason = try recordHealth(of: record.claim.sink, after: record.outcome, on: connection) {
                    finish.pauseReason = pauseReason
                    finish.noticeDeliveries = try enqueueNotice(pausedSink: record.claim.sink, reason: pauseReason,
                                                                recipients: noticeRecipients, on: connection)
                }
                finishes.append(finish)
            }
            return finishes
        }
    }

    /// Gives back `ids` among `owner`'s claims, unattempted: the attempt count is taken back and
    /// nothing is recorded. The dispatchers are woken; returns how many.
    public func releaseClaims(_ ids: [Int64], owner: String, on connection: PostgresConnection) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try connection.transaction {
            let released = try connection.query(OutboxSQL.releaseClaims, [owner, ids.postgresText])
                .affectedRows
            if released > 0 { try connection.notify(Self.channel) }
            return released
        }
    }

    /// ``OutboxSQL/finishBatch``'s parameters: one array per column.
    static func finishParameters(_ records: [AttemptRecord], worker: String,
                                         healthySinks: [String]) -> [String?] {
        let settlements = records.map { settlement(of: $0.decision, outcome: $0.outcome) }
        return [
            records.map(\.claim.id).postgresText,
            records.map(\.claim.owner).postgresText,
            records.map(\.claim.attempt).postgresText,
            settlements.map(\.state).postgresText,
            settlements.map { $0.delay?.microseconds(rounded: .down) }.postgresText,
            settlements.map(\.error).postgresText,
            records.map(\.startedAt).postgresText,
            records.map { Int32(clamping: max($0.duration.milliseconds(rounded: .nearest), 0)) }.postgresText,
            records.map(\.outcome.name).postgresText,
            records.map(\.outcome.detail).postgresText,
            worker,
            healthySinks.postgresText,
        ]
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
            _ = try connection.query(OutboxSQL.resetFailures, [sink])
            return nil
        }
        let row = try connection.query(OutboxSQL.lockSinkState, [sink])[0]
        let health = SinkHealth(consecutiveFailures: try row.decode("consecutive_failures", as: Int.self), isPaused: try row.decode("paused", as: Bool.self))
        let change = health.recording(outcome, pauseAfter: sinkPauseAfter)
        _ = try connection.query(OutboxSQL.writeFailures, [sink, String(change.health.consecutiveFailures)])
        guard let reason = change.pauseReason else { return nil }
        return try connection.query(OutboxSQL.pause, [sink, reason]).isEmpty ? nil : reason
    }
}
