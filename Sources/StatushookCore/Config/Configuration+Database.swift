import PostgresClient

extension Configuration {
    /// `database_url` with the options every connection of statushook's gets unless the URL
    /// names them: a server that does not answer is given up after 3 s (per host), so a lost
    /// database is noticed soon and the next host of a multi-host URL is tried.
    public var database: PostgresEndpoint {
        PostgresEndpoint(databaseURL, defaults: ["connect_timeout": "3"])
    }

    /// `read_database_url` with the same defaults, or nil when unset.
    public var readDatabase: PostgresEndpoint? {
        readDatabaseURL.map { PostgresEndpoint($0, defaults: ["connect_timeout": "3"]) }
    }

    /// The pool the read endpoints use: the replica when `read_database_url` is set, falling
    /// back to the primary while the replica is away; else the primary.
    public func makeReadPool(maxConnections: Int) -> PostgresPool {
        guard let replica = readDatabase else { return PostgresPool(endpoint: database, maxConnections: maxConnections) }
        return PostgresPool(endpoint: replica, fallback: database, maxConnections: maxConnections)
    }
}
