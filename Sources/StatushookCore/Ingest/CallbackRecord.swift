import PostgresClient

/// Everything one accepted callback writes, as the parameters of `statushook_record_callback`
/// (migrations/0001_initial.sql, 0009_trust_products.sql).
public struct CallbackRecord: Sendable {
    public var idempotencyKey: String
    public var idempotencyToken: String?
    public var requestID: String
    public var content: CallbackContent
    public var rawBody: String
    public var path: String
    public var rawQuery: String
    public var contentType: String
    public var peer: String
    public var receivedAt: String
    /// The sinks whose status filter matches the new status.
    public var sinks: [String]

    /// The SQL that records one callback; its parameters come from `parameters`, in order.
    static let sql = """
        SELECT result, transition_id, callback_id FROM statushook_record_callback(
            $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14::timestamptz, $15::boolean, $16::text[], $17::text)
        """

    var parameters: [String?] {
        [
            idempotencyKey, idempotencyToken, requestID,
            content.sid, content.accountSid, content.status, content.failureReason,
            content.paramsJSON, rawBody, path, rawQuery, contentType, peer, receivedAt,
            content.isKnownStatus.postgresText,
            sinks.postgresText,
            content.kind?.rawValue,
        ]
    }
}

/// What became of a callback handed to the writer.
public enum IngestOutcome: Sendable, Equatable {
    case recorded(transitionID: Int64)
    case unchanged
    case duplicate
    /// The database could not commit; nothing was written. Twilio should retry.
    case unavailable(String)
    /// The database refused this callback for a reason a retry will not fix.
    case failed(String)
}

extension IngestOutcome {
    /// Whether a batch with these outcomes queued a delivery: each recorded transition has one
    /// for every sink of its callback (`sinks[i]` is callback i's).
    static func queuedDeliveries(_ outcomes: [IngestOutcome], sinks: [[String]]) -> Bool {
        zip(outcomes, sinks).contains { outcome, callbackSinks in
            guard case .recorded = outcome else { return false }
            return !callbackSinks.isEmpty
        }
    }
}
