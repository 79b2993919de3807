/// A `NOTIFY` received on a channel this connection listens to.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// The server process that sent it (`pg_backend_pid()` of the notifier).
    public var backendPID: Int32

    public init(channel: String, payload: String, backendPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.backendPID = backendPID
    }
}

/// A NOTICE or WARNING the server sent alongside a statement (never printed to stderr).
public struct PostgresNotice: Sendable, Equatable {
    /// `NOTICE`, `WARNING`, `INFO`, `DEBUG` or `LOG`, never translated.
    public var severity: String
    public var sqlState: String?
    public var message: String

    public init(severity: String, sqlState: String?, message: String) {
        self.severity = severity
        self.sqlState = sqlState
        self.message = message
    }
}
