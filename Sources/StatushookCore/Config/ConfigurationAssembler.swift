/// Checks every value of a merged setting table and builds the `Configuration`, reporting each
/// bad value, missing key and lone half of a pair.
struct ConfigurationAssembler {
    let table: SettingTable
    /// The values that could be read; a key set with an unusable value is in `table` only.
    let values: [SettingKey: SettingValue]
    var errors: ErrorList

    /// Nil when anything was reported, here or before.
    mutating func assemble() -> Configuration? {
        var configuration = Configuration(databaseURL: "")
        assembleCore(into: &configuration)
        assembleAccounts(into: &configuration)
        checkRequiredCoreKeys()
        configuration.sinks = table.sinks.compactMap { assembleSink(named: $0.name, firstLine: $0.line) }
        return errors.isEmpty ? configuration : nil
    }

    private mutating func assembleCore(into configuration: inout Configuration) {
        if let listen = value(.core(.listen), AddressSyntax.listenAddress) {
            (configuration.listenHost, configuration.listenPort) = listen
        }
        configuration.publicURL = value(.core(.publicURL)) { (text) throws(ValueRule) in
            try AddressSyntax.httpURL(text, allowsQuery: false, trimsTrailingSlash: true)
        }
        configuration.callbackPath = value(.core(.callbackPath), AddressSyntax.callbackPath) ?? configuration.callbackPath
        configuration.trustedProxies = value(.core(.trustedProxies)) { (text) throws(ValueRule) in
            try ValueSyntax.list(text, item: Self.trustedProxy)
        } ?? []
        configuration.databaseURL = value(.core(.databaseURL), AddressSyntax.databaseURL) ?? ""
        configuration.readDatabaseURL = value(.core(.readDatabaseURL), AddressSyntax.databaseURL)
        configuration.commitTimeout = value(.core(.commitTimeout), Self.commitTimeout) ?? configuration.commitTimeout
        configuration.ingestWriters = value(.core(.ingestWriters), Self.ingestWriters) ?? configuration.ingestWriters
        configuration.authToken = value(.core(.authToken), Self.literal)
        configuration.authTokenPrevious = value(.core(.authTokenPrevious), Self.literal)
        configuration.callbackUsername = value(.core(.callbackUsername), ValueSyntax.basicAuthUser)
        configuration.callbackPassword = value(.core(.callbackPassword), Self.literal)
        configuration.maxBodyBytes = value(.core(.maxBodyBytes), ValueSyntax.byteCount) ?? configuration.maxBodyBytes
        configuration.maxHeaderBytes = value(.core(.maxHeaderBytes), Self.headerByteCount) ?? configuration.maxHeaderBytes
        configuration.historyUsername = value(.core(.historyUsername), ValueSyntax.basicAuthUser)
        configuration.historyPassword = value(.core(.historyPassword), Self.literal)
        configuration.retrySchedule = value(.core(.retrySchedule)) { (text) throws(ValueRule) in
            try ValueSyntax.list(text, item: ValueSyntax.duration)
        } ?? configuration.retrySchedule
        configuration.sinkPauseAfter = value(.core(.sinkPauseAfter)) { (text) throws(ValueRule) in
            try ValueSyntax.count(text, minimum: 1)
        } ?? configuration.sinkPauseAfter
        configuration.burstRate = value(.core(.burstRate)) { (text) throws(ValueRule) in
            try ValueSyntax.count(text, minimum: 0)
        } ?? configuration.burstRate
        configuration.retentionDays = value(.core(.retentionDays)) { (text) throws(ValueRule) in
            try ValueSyntax.count(text, minimum: 1)
        }
        configuration.logLevel = value(.core(.logLevel)) { (text) throws(ValueRule) in
            try ValueSyntax.choice(text, of: LogLevel.self)
        } ?? configuration.logLevel
        configuration.logFormat = value(.core(.logFormat)) { (text) throws(ValueRule) in
            try ValueSyntax.choice(text, of: LogFormat.self)
        } ?? configuration.logFormat
        configuration.maxConnections = value(.core(.maxConnections)) { (text) throws(ValueRule) in
            try ValueSyntax.count(text, minimum: 1)
        } ?? configuration.maxConnections
        configuration.connectionTimeout = value(.core(.connectionTimeout), ValueSyntax.duration) ?? configuration.connectionTimeout
        configuration.httpThreads = value(.core(.httpThreads)) { (text) throws(ValueRule) in
            try ValueSyntax.count(text, minimum: 1)
        } ?? configuration.httpThreads
        assembleTrustHub(into: &configuration)
    }

    private mutating func assembleAccounts(into configuration: inout Configuration) {
        let sids = Set(table.settings.keys.compactMap { key -> String? in
            if case .account(let sid, _) = key { sid } else { nil }
        })
        for sid in sids.sorted() {
            let current = SettingKey.account(sid: sid, field: .authToken)
            let previous = SettingKey.account(sid: sid, field: .authTokenPrevious)
            requireCompanion(current, of: previous)
            configuration.accountTokens[sid] = AccountTokens(current: value(current, Self.literal), previous: value(previous, Self.literal))
        }
    }

    private mutating func checkRequiredCoreKeys() {
        if !isSet(.core(.databaseURL)) {
            errors.report("missing required key 'database_url'", at: nil)
        }
        let anyAccountToken = table.settings.keys.contains { key in
            if case .account(_, .authToken) = key { true } else { false }
        }
        if !isSet(.core(.authToken)), !anyAccountToken {
            errors.report("missing required key 'auth_token' (or at least one 'account.<AccountSid>.auth_token')", at: nil)
        }
        requireCompanion(.core(.authToken), of: .core(.authTokenPrevious))
        requirePair(.core(.callbackUsername), .core(.callbackPassword))
        requirePair(.core(.historyUsername), .core(.historyPassword))
        requirePair(.core(.twilioAPIKey), .core(.twilioAPISecret))
        checkTrustHubCredentials()
    }

    // MARK: - Helpers shared with the sinks

    func isSet(_ key: SettingKey) -> Bool {
        table.settings[key] != nil
    }

    /// The checked value, or nil when unset or bad (then reported).
    mutating func value<Value>(_ key: SettingKey, _ parse: (Substring) throws(ValueRule) -> Value) -> Value? {
        guard let setting = values[key] else { return nil }
        let readFrom = setting.path.map { " (read from '\($0)')" } ?? ""
        guard !setting.text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) else {
            errors.report("bad value for '\(key.name)'\(readFrom): expected a single line", at: setting.origin)
            return nil
        }
        do throws(ValueRule) {
            return try parse(Substring(setting.text))
        } catch {
            errors.report("bad value for '\(key.name)'\(readFrom): \(error.text)", at: setting.origin)
            return nil
        }
    }

    /// `dependent` (a previous token) needs `key` (the current one).
    mutating func requireCompanion(_ key: SettingKey, of dependent: SettingKey) {
        if let origin = table.settings[dependent]?.origin, !isSet(key) {
            errors.report("'\(dependent.name)' is set without '\(key.name)'", at: origin)
        }
    }

    /// A user name and its password: both or neither.
    mutating func requirePair(_ first: SettingKey, _ second: SettingKey) {
        requireCompanion(second, of: first)
        requireCompanion(first, of: second)
    }

    /// A byte count from 1 KiB (a Twilio request's head is under one) to 1 MiB (libmicrohttpd
    /// keeps twice the limit per connection).
    static func headerByteCount(_ text: Substring) throws(ValueRule) -> Int {
        let bytes = try ValueSyntax.byteCount(text)
        guard (1024...1024 * 1024).contains(bytes) else { throw ValueRule("expected from 1KiB to 1MiB") }
        return bytes
    }

    /// A duration from 100 ms to 14 s: Twilio waits 15 s for an answer, and a 503 it gets in
    /// time is retried where a timeout may not be.
    static func commitTimeout(_ text: Substring) throws(ValueRule) -> Duration {
        let duration = try ValueSyntax.duration(text)
        guard duration >= .milliseconds(100), duration <= .seconds(14) else {
            throw ValueRule("expected from 100ms to 14s (Twilio waits 15 s for an answer)")
        }
        return duration
    }

    /// From 1 to 16: each writer is a database connection and a thread, and past the cores
    /// there are to run their backends on, more only add smaller batches.
    static func ingestWriters(_ text: Substring) throws(ValueRule) -> Int {
        guard let count = try? ValueSyntax.count(text, minimum: 1), count <= 16 else {
            throw ValueRule("expected a whole number from 1 to 16")
        }
        return count
    }

    /// Any text: tokens and passwords are taken as written.
    static func literal(_ text: Substring) -> String {
        String(text)
    }

    /// An address or CIDR block, accepted exactly as `TrustedProxies` will read it.
    static func trustedProxy(_ text: Substring) throws(ValueRule) -> String {
        do throws(TrustedProxies.InvalidEntry) {
            _ = try TrustedProxies(parsing: [String(text)])
        } catch {
            throw ValueRule(error.reason)
        }
        return String(text)
    }
}
