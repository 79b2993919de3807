/// A failure of a connection or a statement, with what PostgreSQL said about it.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No connection could be made (server down, wrong address, authentication refused).
        case connectionFailed
        /// A connection broke during or before the call; it is unusable now.
        case connectionLost
        /// The server refused a statement; the connection itself is fine.
        case queryFailed
        /// A pool had no free connection within its wait.
        case poolExhausted
    }

    public var kind: Kind
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    public var message: String
    public var detail: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
    }

    /// True when retrying, later or on a fresh connection, may work: the database was unreachable,
    /// went away, is shutting down or starting, has no connection slot (nor has the pool), or
    /// is a standby now (25006: after a failover an old connection may reach a demoted server,
    /// and a new one finds the promoted primary).
    public var isConnectionProblem: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .poolExhausted:
            return true
        case .queryFailed:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08")
                || ["57P01", "57P02", "57P03", "53300", "25006"].contains(sqlState)
        }
    }

    /// True for `serialization_failure` (40001) and `deadlock_detected` (40P01): rerun the transaction.
    public var isSerializationOrDeadlock: Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    public var description: String {
        var text: String
        switch kind {
        case .connectionFailed: text = "could not connect to PostgreSQL: "
        case .connectionLost: text = "lost the connection to PostgreSQL: "
        case .queryFailed: text = "PostgreSQL refused the statement: "
        case .poolExhausted: text = "no PostgreSQL connection free: "
        }
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; \(detail)" }
        return text
    }
}
