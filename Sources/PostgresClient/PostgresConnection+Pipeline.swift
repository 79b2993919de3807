import CLibPQ

// Pipeline mode: many statements sent at once, their results read afterwards, so that a batch
// costs one round trip instead of one per statement.
extension PostgresConnection {
    /// Runs the statement prepared as `name` once for each parameter list, all inside one
    /// `BEGIN` … `COMMIT`, sent as a single libpq pipeline; returns each statement's rows in order.
    ///
    /// Returns only after the `COMMIT` succeeded. When a statement fails, the server skips the
    /// rest (the `COMMIT` too), this function reads the pipeline to its end, leaves pipeline mode
    /// and throws the first error: the connection is then usable and inside a failed
    /// transaction, which the caller rolls back. libpq reads while it waits to write, so a large
    /// batch cannot deadlock against the server's results.
    public func pipelinedTransaction(prepared name: String, _ parameterLists: [[String?]]) throws(PostgresError) -> [PostgresRows] {
        let handle = try liveHandle()
        for parameters in parameterLists { try Self.checkNoNUL(parameters) }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: .queryFailed, message: "cannot enter pipeline mode: \(Self.errorMessage(handle))")
        }
        var sent = Self.sendCommand(handle, "BEGIN")
        for parameters in parameterLists where sent {
            sent = withCStringArray(parameters) { values in
                PQsendQueryPrepared(handle, name, Int32(values.count), values, nil, nil, 0) == 1
            }
        }
        sent = sent && Self.sendCommand(handle, "COMMIT") && PQpipelineSync(handle) == 1
        guard sent else {
            // libpq refuses to queue only when the connection is broken (or out of memory).
            throw PostgresError(kind: Self.kindAfterFailure(handle), message: Self.errorMessage(handle))
        }

        var rows: [PostgresRows] = []
        rows.reserveCapacity(parameterLists.count)
        var firstError: PostgresError?
        // BEGIN, each statement, COMMIT: one result (then a NULL) each; then the sync point.
        for step in 0..<(parameterLists.count + 2) {
            guard let result = PQgetResult(handle) else {
                throw PostgresError(kind: Self.kindAfterFailure(handle), message: Self.errorMessage(handle))
            }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)
            } else {
                do throws(PostgresError) {
                    let read = try Self.rows(from: result, on: handle)
                    if step > 0 && step <= parameterLists.count { rows.append(read) }
                } catch {
                    if error.kind == .connectionLost { throw error }
                    firstError = firstError ?? error
                }
            }
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        guard let sync = PQgetResult(handle) else {
            throw PostgresError(kind: Self.kindAfterFailure(handle), message: Self.errorMessage(handle))
        }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(handle) == 1 else {
            throw PostgresError(kind: .connectionLost, message: "the pipeline did not end cleanly: \(Self.errorMessage(handle))")
        }
        if let firstError { throw firstError }
        return rows
    }

    /// Queues a statement without parameters (the extended protocol, as pipeline mode requires).
    private static func sendCommand(_ handle: OpaquePointer, _ sql: String) -> Bool {
        PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, 0) == 1
    }
}
