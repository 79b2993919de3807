import CLibPQ

// Statements. Parameters travel apart from the SQL (never spliced into it), in text format;
// `nil` is SQL NULL.
extension PostgresConnection {
    /// Runs one statement with `$1`, `$2`, … bound to `parameters`.
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        let handle = try liveHandle()
        try Self.checkNoNUL(parameters)
        let result = withCStringArray(parameters) { values in
            PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        return try Self.rows(from: result, on: handle)
    }

    /// Runs `sql` without parameters; it may hold several statements separated by semicolons,
    /// which then run as one implicit transaction unless they contain their own `BEGIN`/`COMMIT`.
    public func execute(_ sql: String) throws(PostgresError) {
        let handle = try liveHandle()
        _ = try Self.rows(from: PQexec(handle, sql), on: handle)
    }

    /// Prepares `sql` under `name` for ``queryPrepared(_:_:)`` on this connection.
    public func prepare(_ name: String, _ sql: String) throws(PostgresError) {
        let handle = try liveHandle()
        _ = try Self.rows(from: PQprepare(handle, name, sql, 0, nil), on: handle)
    }

    /// Runs the statement prepared as `name` with `parameters`.
    public func queryPrepared(_ name: String, _ parameters: [String?]) throws(PostgresError) -> PostgresRows {
        let handle = try liveHandle()
        try Self.checkNoNUL(parameters)
        let result = withCStringArray(parameters) { values in
            PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        }
        return try Self.rows(from: result, on: handle)
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolling back when it throws.
    ///
    /// A statement that failed inside `body` aborts the transaction even if `body` caught its
    /// error; the commit then throws rather than letting PostgreSQL turn it into a silent rollback.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
        if let handle = try? liveHandle(), PQtransactionStatus(handle) == PQTRANS_INERROR {
            try? execute("ROLLBACK")
            throw PostgresError(
                kind: .queryFailed, sqlState: "25P02",
                message: "a statement failed inside the transaction, which was rolled back")
        }
        try execute("COMMIT")
        return value
    }

    /// Text parameters are C strings: a NUL would silently cut the value short, so refuse it.
    static func checkNoNUL(_ parameters: [String?]) throws(PostgresError) {
        for (index, parameter) in parameters.enumerated() where parameter.map(Self.containsNUL) == true {
            throw PostgresError(
                kind: .queryFailed,
                message: "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot hold")
        }
    }

    /// Whether `text` holds a U+0000; over the contiguous bytes when it has them (a batch's
    /// parameters are long arrays, read once more here before they are sent).
    private static func containsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? text.utf8.contains(0)
    }

    /// Reads `result` (and clears it): its rows, or the error it or the connection reports.
    static func rows(from result: OpaquePointer?, on handle: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(kind: kindAfterFailure(handle), message: errorMessage(handle))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return readRows(result)
        }
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
            throw PostgresError(kind: .queryFailed, message: "COPY is not supported by this client")
        }
        var message = resultField(result, SHK_PG_DIAG_MESSAGE_PRIMARY)
            ?? oneLine(String(cString: PQresultErrorMessage(result)))
        if message.isEmpty { message = errorMessage(handle) }
        let sqlState = resultField(result, SHK_PG_DIAG_SQLSTATE)
        // The server gives every error of its own a SQLSTATE; a fatal error without one is libpq's
        // ("server closed the connection unexpectedly"), which PQstatus may not show yet.
        let fromLibPQ = status == PGRES_FATAL_ERROR && sqlState == nil
        throw PostgresError(
            kind: fromLibPQ ? .connectionLost : kindAfterFailure(handle),
            sqlState: sqlState,
            message: message,
            detail: resultField(result, SHK_PG_DIAG_MESSAGE_DETAIL))
    }

    static func kindAfterFailure(_ handle: OpaquePointer) -> PostgresError.Kind {
        PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .queryFailed
    }

    private static func readRows(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column -> String? in
                if PQgetisnull(result, row, column) == 1 { return nil }
                let bytes = UnsafeRawPointer(PQgetvalue(result, row, column)!)
                    .assumingMemoryBound(to: UInt8.self)
                return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(PQgetlength(result, row, column))), as: UTF8.self)
            })
        }
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresRows(columns: columns, rows: rows, affectedRows: affected)
    }
}
