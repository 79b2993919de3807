import PostgresClient
import DurationUnits

/// The outbox in PostgreSQL: claiming due deliveries under a lease, settling them after an
/// attempt, and the operator's view of them.
///
/// A thin shell over ``OutboxSQL``: the decisions come from ``DeliveryRules`` and ``SinkHealth``.
/// Every method blocks on libpq, so it belongs on a dispatcher or CLI thread, never on Swift's
/// cooperative pool; the connection is the caller's, used by one thread at a time.
public struct OutboxStore: Sendable {
    /// Told of released, replayed or resumed deliveries, and, by a dispatcher's listener, of those
    /// its process's ingest queued (one NOTIFY a second at most; the batch itself sends none since
    /// migration 0012, the one-by-one function still does).
    public static let channel = "statushook_deliveries"

    /// Failures in a row after which a sink is paused (`sink_pause_after`).
    public var sinkPauseAfter: Int

    public init(sinkPauseAfter: Int = 20) {
        self.sinkPauseAfter = sinkPauseAfter
    }

    /// The statements a dispatcher runs for every batch, prepared once per connection.
    enum HotStatement: String, CaseIterable {
        case claim = "statushook_outbox_claim"
        case finishBatch = "statushook_outbox_finish"

        var sql: String {
            switch self {
            case .claim: return OutboxSQL.claim
            case .finishBatch: return OutboxSQL.finishBatch
            }
        }

        /// Planned at each run, never prepared. A prepared statement settles on a generic plan
        /// after five runs and keeps it: the batch finish's, made while `deliveries` was small
        /// (a fresh database's first deliveries), joined the batch to the whole table by a
        /// sequential scan, which cost 60 ms a batch once the table held 250,000 rows (bench/run's
        /// drain). Planned with its arrays in hand it looks each delivery up by primary key,
        /// for about 0.3 ms of planning a batch. The claim's plan walks its index in order
        /// whatever the table's size.
        var plannedEachRun: Bool { self == .finishBatch }
    }

    /// Prepares the claim on `connection`, once after it connects, so that calls passing
    /// `prepared: true` skip parsing and planning it each time.
    public func prepareStatements(on connection: PostgresConnection) throws {
        for statement in HotStatement.allCases where !statement.plannedEachRun {
            try connection.prepare(statement.rawValue, statement.sql)
        }
    }

    /// Runs `statement`, as prepared by ``prepareStatements(on:)`` when `prepared` (and it is
    /// prepared at all).
    func run(_ statement: HotStatement, _ parameters: [String?], prepared: Bool,
             on connection: PostgresConnection) throws -> PostgresRows {
        prepared && !statement.plannedEachRun ? try connection.queryPrepared(statement.rawValue, parameters)
                                               : try connection.query(statement.sql, parameters)
    }

    /// Leases up to `limit` due deliveries of the active ones among `sinks`, oldest due first.
    ///
    /// One statement: of several workers or daemons claiming at once, each delivery goes to one.
    /// Paused sinks are left out here, from `sink_state`, so that a pause by another daemon or the
    /// operator holds at once without the caller keeping track. The attempt count rises by one.
    /// `prepared`: ``prepareStatements(on:)`` ran on this connection.
    public func claim(owner: String, sinks: [String], limit: Int, lease: Duration, prepared: Bool = false,
                      on connection: PostgresConnection) throws -> [ClaimedDelivery] {
        guard limit > 0, !sinks.isEmpty else { return [] }
        let rows = try run(.claim, [
            owner, sinks.postgresText, String(limit), lease.microseconds(rounded: .down).postgresText,
        ], prepared: prepared, on: connection)
        return try rows.map { row in
            try ClaimedDelivery(id: row.decode("id", as: Int64.self), sink: row.decode("sink", as: String.self), attempt: row.decode("attempts", as: Int.self),
                                owner: owner, payload: Self.payload(of: row))
        }
    }

    private static func payload(of row: PostgresRow) throws -> DeliveryPayload {
        let deliveryID = try row.decode("id", as: Int64.self)
        if row["transition_id"] != nil {
            return .transition(TransitionEvent(
                deliveryID: deliveryID, transitionID: try row.decode("transition_id", as: Int64.self), sid: try row.decode("sid", as: String.self),
                accountSid: row["account_sid"], from: row["from_status"], to: try row.decode("to_status", as: String.self),
                failureReason: row["failure_reason"], unexpected: try row.decode("unexpected", as: Bool.self),
                occurredAt: try row.decode("occurred_at", as: String.self), friendlyName: row["friendly_name"],
                kind: row["kind"].flatMap(ResourceKind.init(rawValue:))))
        }
        return .notice(SinkNotice(
            deliveryID: deliveryID, noticeID: try row.decode("notice_id", as: Int64.self), sink: try row.decode("notice_sink", as: String.self),
            reason: try row.decode("notice_reason", as: String.self), occurredAt: try row.decode("notice_occurred_at", as: String.self)))
    }
}
