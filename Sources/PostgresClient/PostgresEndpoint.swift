/// A database to connect to: its connection string (`key=value` or a `postgres://` URL, one host
/// or several) and the libpq options that apply unless the string names them.
public struct PostgresEndpoint: Sendable, Equatable {
    public var conninfo: String
    /// libpq keywords (`connect_timeout`, …) the string may override.
    public var defaults: [String: String]

    public init(_ conninfo: String, defaults: [String: String] = [:]) {
        self.conninfo = conninfo
        self.defaults = defaults
    }

    /// A new connection (``PostgresConnection/connect(_:defaults:overriding:onNotice:)``).
    public func connect(overriding: [String: String] = [:],
                        onNotice: (@Sendable (PostgresNotice) -> Void)? = nil) throws(PostgresError) -> PostgresConnection {
        try PostgresConnection.connect(conninfo, defaults: defaults, overriding: overriding, onNotice: onNotice)
    }
}
