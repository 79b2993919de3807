/// A setting read once, at start: a reload that changes it says it needs a restart and keeps
/// the running value.
struct RestartOnlySetting: Sendable {
    /// As the configuration file spells it, for the warning.
    let key: String
    let differs: @Sendable (_ running: Configuration, _ fresh: Configuration) -> Bool
    /// Puts the running value back into the configuration a reload takes.
    let keep: @Sendable (_ effective: inout Configuration, _ running: Configuration) -> Void

    /// A setting held by one field.
    static func field<Value: Equatable & Sendable>(_ key: String,
                                        _ path: any WritableKeyPath<Configuration, Value> & Sendable) -> Self {
        Self(key: key,
             differs: { $0[keyPath: path] != $1[keyPath: path] },
             keep: { $0[keyPath: path] = $1[keyPath: path] })
    }
}

extension Daemon {
    /// Every setting a reload cannot take, once.
    static let restartOnlySettings: [RestartOnlySetting] = [
        RestartOnlySetting(key: "listen",
                           differs: { $0.listenHost != $1.listenHost || $0.listenPort != $1.listenPort },
                           keep: { $0.listenHost = $1.listenHost; $0.listenPort = $1.listenPort }),
        .field("database_url", \.databaseURL),
        .field("commit_timeout", \.commitTimeout),
        .field("ingest_writers", \.ingestWriters),
        .field("read_database_url", \.readDatabaseURL),
        .field("http_threads", \.httpThreads),
        .field("max_connections", \.maxConnections),
        .field("connection_timeout", \.connectionTimeout),
        .field("max_header_bytes", \.maxHeaderBytes),
        .field("log_level", \.logLevel),
        .field("log_format", \.logFormat),
        // The API's clients (enrichment, reconciler) keep what they were built with; nothing is
        // put back, as `auth_token`, which may be the API's password, also signs callbacks and
        // is taken by a reload.
        RestartOnlySetting(key: "the TrustHub API keys (twilio_*, reconcile_interval)",
                           differs: { TrustHubSettings($0) != TrustHubSettings($1) },
                           keep: { _, _ in }),
    ]

    /// The keys that differ between the two and only take effect at start.
    static func restartOnlyChanges(running: Configuration, fresh: Configuration) -> [String] {
        restartOnlySettings.filter { $0.differs(running, fresh) }.map(\.key)
    }

    /// `fresh` with the running value of every restart-only setting.
    static func reloadable(_ fresh: Configuration, running: Configuration) -> Configuration {
        var effective = fresh
        for setting in restartOnlySettings { setting.keep(&effective, running) }
        return effective
    }
}
