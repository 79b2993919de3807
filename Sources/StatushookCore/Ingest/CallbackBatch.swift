import PostgresClient

/// A batch of callbacks as the seventeen array parameters of `statushook_record_callbacks`
/// (migrations/0006_ingest_batch.sql, 0009_trust_products.sql): element i of each array is callback i.
struct CallbackBatch {
    /// One row per callback: `ord` (1-based position in the batch), `result`, `transition_id`.
    ///
    /// The transactional WAL message makes every batch write WAL, so that its COMMIT waits for
    /// synchronous standbys even when all its callbacks are duplicates: a transaction that wrote
    /// nothing commits at once, and its "duplicate" 200 could then acknowledge a row whose own
    /// commit's wait was cancelled (not yet replicated). The commit waits for all WAL before it.
    static let sql = """
        WITH replicated AS MATERIALIZED (SELECT pg_logical_emit_message(true, 'statushook', 'ingest'))
        SELECT ord, result, transition_id FROM statushook_record_callbacks(
            $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::jsonb[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
            $14::timestamptz[], $15::boolean[], $16::text[], $17::text[]) CROSS JOIN replicated
        """

    /// The array literals, in the order of `sql`'s parameters.
    static func parameters(_ records: [CallbackRecord]) -> [String?] {
        var arrays = [PostgresArrayBuilder](repeating: PostgresArrayBuilder(), count: 17)
        for record in records {
            let content = record.content
            arrays[0].append(record.idempotencyKey)
            arrays[1].append(record.idempotencyToken)
            arrays[2].append(record.requestID)
            arrays[3].append(content.sid)
            arrays[4].append(content.accountSid)
            arrays[5].append(content.status)
            arrays[6].append(content.failureReason)
            arrays[7].append(content.paramsJSON)
            arrays[8].append(record.rawBody)
            arrays[9].append(record.path)
            arrays[10].append(record.rawQuery)
            arrays[11].append(record.contentType)
            arrays[12].append(record.peer)
            arrays[13].append(record.receivedAt)
            arrays[14].append(content.isKnownStatus)
            // Sink names are [a-z0-9_-]: a comma cannot occur in one.
            arrays[15].append(record.sinks.joined(separator: ","))
            arrays[16].append(content.kind?.rawValue)
        }
        return arrays.map(\.text)
    }
}
