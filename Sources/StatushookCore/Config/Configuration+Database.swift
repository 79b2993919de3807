import PostgresClient

extension Configuration {
    /// `database_url` with the options every connection of statushook's gets unless the URL
    /// names them: a server that does not answer is given up after 3 s (per host), so a lost
    /// database is noticed soon and the next host of a multi-host URL is tried.
    public var database: PostgresEndpoint {
        PostgresEndpoint(databaseURL, defaults: ["connect_timeout": "3"])
    }
}
