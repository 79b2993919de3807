import Testing
@testable import StatushookCore

/// Values of the core keys: each rule, good values and bad ones.
@Suite("Configuration values")
struct ConfigValueTests {
    typealias F = ConfigFixture

    /// The one error for `key = value` after the required keys, at line 3.
    static func error(_ key: String, _ value: String) -> ConfigurationError? {
        let errors = F.errorsWithRequired("\(key) = \(value)\n")
        #expect(errors.count == 1)
        #expect(errors.first?.line == 3)
        return errors.first
    }

    static let listenRule = "expected a numeric IPv4 address, or an IPv6 address in brackets, then ':' and a port from 1 to 65535 (127.0.0.1:8080, [::1]:8080)"

    @Test("listen takes a numeric IPv4 or a bracketed IPv6 address and a port", arguments: [
        ("0.0.0.0:80", "0.0.0.0", 80),
        ("192.0.2.10:65535", "192.0.2.10", 65535),
        ("[::1]:8080", "::1", 8080),
        ("[::]:443", "::", 443),
        ("[2001:db8::5]:9000", "2001:db8::5", 9000),
        ("[::ffff:127.0.0.1]:1", "::ffff:127.0.0.1", 1),
    ] as [(String, String, UInt16)])
    func listen(value: String, host: String, port: UInt16) throws {
        let configuration = try F.parseWithRequired("listen = \(value)\n")
        #expect(configuration.listenHost == host)
        #expect(configuration.listenPort == port)
    }

    @Test("listen refuses names, unbracketed IPv6, and missing or out-of-range ports", arguments: [
        "localhost:8080", "::1:8080", "[::1]", "[::1]8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
        "127.0.0.1:65536", "127.0.0.1:80x", "256.0.0.1:80", "01.2.3.4:80", "[127.0.0.1]:80", ":8080", "[]:80",
    ])
    func badListen(value: String) {
        #expect(Self.error("listen", value)?.message == "bad value for 'listen': \(Self.listenRule)")
    }

    @Test("public_url keeps scheme, userinfo, host, port and prefix, without the trailing '/'", arguments: [
        ("https://hooks.example.com", "https://hooks.example.com"),
        ("https://hooks.example.com/", "https://hooks.example.com"),
        ("https://hooks.example.com/statushook/", "https://hooks.example.com/statushook"),
        ("http://hooks.example.com:8080/a/b", "http://hooks.example.com:8080/a/b"),
        ("https://twilio:s3cret@hooks.example.com/p", "https://twilio:s3cret@hooks.example.com/p"),
        ("HTTPS://Hooks.Example.com", "HTTPS://Hooks.Example.com"),
        ("http://[2001:db8::1]:8443", "http://[2001:db8::1]:8443"),
        ("http://192.0.2.1", "http://192.0.2.1"),
    ])
    func publicURL(value: String, expected: String) throws {
        #expect(try F.parseWithRequired("public_url = \(value)\n").publicURL == expected)
    }

    @Test("public_url refuses other schemes, a missing host, bad ports, queries, fragments and spaces", arguments: [
        ("ftp://example.com", "expected an http:// or https:// URL"),
        ("hooks.example.com", "expected an http:// or https:// URL"),
        ("https://", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https:///path", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https://host:0", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https://host:99999", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https://host:/", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https://ho_st/", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https://[::1/", "expected the URL's host, then optionally ':' and a port from 1 to 65535"),
        ("https://host/?tenant=acme", "a URL here may not have a query ('?')"),
        ("https://host/#top", "a URL here may not have a fragment ('#')"),
        ("https://host/a b", "a URL may not contain spaces, control or non-ASCII characters (percent-encode them)"),
        ("https://host/é", "a URL may not contain spaces, control or non-ASCII characters (percent-encode them)"),
    ])
    func badPublicURL(value: String, rule: String) {
        #expect(Self.error("public_url", value)?.message == "bad value for 'public_url': \(rule)")
    }

    @Test("callback_path must start with '/' and carry no query, fragment or blank", arguments: ["callbacks", "/a?b=1", "/a#b", "/a b", "/ü"])
    func badCallbackPath(value: String) {
        #expect(Self.error("callback_path", value)?.message
            == "bad value for 'callback_path': expected a path starting with '/', without '?', '#', spaces or non-ASCII characters")
    }

    @Test("callback_path is taken as written")
    func callbackPath() throws {
        #expect(try F.parseWithRequired("callback_path = /hooks/twilio/v1/\n").callbackPath == "/hooks/twilio/v1/")
    }

    @Test("trusted_proxies lists addresses and CIDR blocks, kept as written")
    func trustedProxies() throws {
        let configuration = try F.parseWithRequired("trusted_proxies = 127.0.0.1, ::1,10.0.0.0/8 ,  fd00::/8, 10.1.2.3/8\n")
        #expect(configuration.trustedProxies == ["127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8", "10.1.2.3/8"])
    }

    @Test("trusted_proxies refuses names, bad prefixes and empty items", arguments: [
        ("localhost", "'localhost' is not an IPv4 or IPv6 address"),
        ("10.0.0.0/33", "the prefix length must be 0-32 for an IPv4 address"),
        ("::1/129", "the prefix length must be 0-128 for an IPv6 address"),
        ("10.0.0.0/", "the prefix length after '/' must be a number"),
        ("127.0.0.1, 300.0.0.1", "item 2: '300.0.0.1' is not an IPv4 or IPv6 address"),
        ("127.0.0.1,,::1", "item 2 of the list is empty"),
        ("127.0.0.1,", "item 2 of the list is empty"),
    ])
    func badTrustedProxies(value: String, rule: String) {
        #expect(Self.error("trusted_proxies", value)?.message == "bad value for 'trusted_proxies': \(rule)")
    }

    @Test("database_url takes a postgres URL or a libpq conninfo", arguments: [
        "postgres://statushook@db.internal:5432/statushook", "postgresql:///statushook?host=/tmp",
        "PostgreSQL://localhost/db", "host=/tmp dbname=statushook", "dbname=statushook",
    ])
    func databaseURL(value: String) throws {
        #expect(try F.parse("auth_token = t\ndatabase_url = \(value)\n").databaseURL == value)
    }

    @Test("database_url refuses other URLs and bare words, without quoting them", arguments: ["mysql://root:hunter2@db/x", "statushook", "http://x=1"])
    func badDatabaseURL(value: String) {
        let errors = F.errors("auth_token = t\ndatabase_url = \(value)\n")
        #expect(errors == [F.fileError(2, "bad value for 'database_url': expected a postgres:// or postgresql:// URL, or a libpq conninfo such as 'host=/tmp dbname=statushook'")])
        #expect(!errors.description.contains("hunter2"))
    }

    @Test("max_body_bytes takes bytes, KiB or MiB", arguments: [("1", 1), ("65536", 65536), ("64KiB", 65536), ("1MiB", 1_048_576), ("007", 7)])
    func maxBodyBytes(value: String, bytes: Int) throws {
        #expect(try F.parseWithRequired("max_body_bytes = \(value)\n").maxBodyBytes == bytes)
    }

    @Test("max_body_bytes refuses zero, signs, spaces, other units, fractions and overflow", arguments: [
        "0", "0KiB", "-1", "+1", "64 KiB", "64kib", "64KB", "1.5MiB", "KiB", "1GiB", "99999999999999999999", "9999999999999999MiB",
    ])
    func badMaxBodyBytes(value: String) {
        #expect(Self.error("max_body_bytes", value)?.message
            == "bad value for 'max_body_bytes': expected a positive number of bytes, optionally with a KiB or MiB suffix (65536, 64KiB)")
    }

    @Test("retry_schedule lists durations in every unit, spaces after commas allowed")
    func retrySchedule() throws {
        let configuration = try F.parseWithRequired("retry_schedule = 500ms, 5s,5m,  2h, 7d\n")
        #expect(configuration.retrySchedule == [.milliseconds(500), .seconds(5), .seconds(300), .seconds(7200), .seconds(604_800)])
    }

    @Test("a single-item retry_schedule is allowed")
    func singleRetry() throws {
        #expect(try F.parseWithRequired("retry_schedule = 1m\n").retrySchedule == [.seconds(60)])
    }

    static let durationRule = "expected a positive duration: a whole number and ms, s, m, h or d (500ms, 5s, 2h)"

    @Test("a duration needs a whole positive number and a unit, with no space", arguments: ["5", "5 s", "0s", "0ms", "-5s", "5sec", "1.5h", "5S", "s", "1w", "99999999999999999999d", "999999999999999999d"])
    func badDuration(value: String) {
        #expect(Self.error("connection_timeout", value)?.message == "bad value for 'connection_timeout': \(Self.durationRule)")
    }

    @Test("commit_timeout is 10 s unless set, from 100 ms to 14 s (under Twilio's 15 s)")
    func commitTimeout() throws {
        #expect(try F.parseWithRequired("").commitTimeout == .seconds(10))
        #expect(try F.parseWithRequired("commit_timeout = 2s\n").commitTimeout == .seconds(2))
        #expect(try F.parseWithRequired("commit_timeout = 100ms\n").commitTimeout == .milliseconds(100))
        #expect(try F.parseWithRequired("commit_timeout = 14s\n").commitTimeout == .seconds(14))
        for value in ["15s", "1m", "99ms"] {
            #expect(Self.error("commit_timeout", value)?.message
                    == "bad value for 'commit_timeout': expected from 100ms to 14s (Twilio waits 15 s for an answer)")
        }
        #expect(Self.error("commit_timeout", "5")?.message == "bad value for 'commit_timeout': \(Self.durationRule)")
    }

    @Test("connection_timeout takes any duration unit")
    func connectionTimeout() throws {
        #expect(try F.parseWithRequired("connection_timeout = 1500ms\n").connectionTimeout == .milliseconds(1500))
        #expect(try F.parseWithRequired("connection_timeout = 1d\n").connectionTimeout == .seconds(86400))
    }

    @Test("a bad retry_schedule names the item at fault", arguments: [
        ("5s, 5x", "item 2: \(durationRule)"),
        ("5s,,5m", "item 2 of the list is empty"),
        ("5s, ", "item 2 of the list is empty"),
        (", 5s", "item 1 of the list is empty"),
        ("0s", durationRule),
    ])
    func badRetrySchedule(value: String, rule: String) {
        #expect(Self.error("retry_schedule", value)?.message == "bad value for 'retry_schedule': \(rule)")
    }

    @Test("whole-number keys take decimal digits of at least 1")
    func counts() throws {
        let configuration = try F.parseWithRequired("""
            sink_pause_after = 1
            retention_days = 400
            max_connections = 10000
            http_threads = 8
            """)
        #expect(configuration.sinkPauseAfter == 1)
        #expect(configuration.retentionDays == 400)
        #expect(configuration.maxConnections == 10000)
        #expect(configuration.httpThreads == 8)
    }

    @Test("whole-number keys refuse zero, signs, words and fractions", arguments: [
        "sink_pause_after", "retention_days", "max_connections", "http_threads",
    ], ["0", "+3", "-1", "two", "1.5", "1e3", "99999999999999999999"])
    func badCount(key: String, value: String) {
        #expect(Self.error(key, value)?.message == "bad value for '\(key)': expected a whole number of at least 1")
    }

    @Test("ingest_writers is 2 unless set, from 1 to 16, and needs a restart")
    func ingestWriters() throws {
        #expect(try F.parseWithRequired("").ingestWriters == 2)
        #expect(try F.parseWithRequired("ingest_writers = 1\n").ingestWriters == 1)
        #expect(try F.parseWithRequired("ingest_writers = 16\n").ingestWriters == 16)
        for value in ["0", "17", "-1", "two", "1.5", "99999999999999999999"] {
            #expect(Self.error("ingest_writers", value)?.message == "bad value for 'ingest_writers': expected a whole number from 1 to 16")
        }
        let running = try F.parseWithRequired("ingest_writers = 2\n")
        let fresh = try F.parseWithRequired("ingest_writers = 4\n")
        #expect(Daemon.restartOnlyChanges(running: running, fresh: fresh) == ["ingest_writers"])
        #expect(Daemon.reloadable(fresh, running: running).ingestWriters == 2)
    }

    @Test("log_level takes each swift-log level", arguments: LogLevel.allCases)
    func logLevel(level: LogLevel) throws {
        let configuration = try F.parseWithRequired("log_level = \(level.rawValue)\n")
        #expect(configuration.logLevel == level)
        #expect(configuration.logLevel.loggerLevel.rawValue == level.rawValue)
    }

    @Test("log_level and log_format refuse other words and other cases")
    func badChoices() {
        #expect(Self.error("log_level", "INFO")?.message == "bad value for 'log_level': expected trace, debug, info, notice, warning, error or critical")
        #expect(Self.error("log_level", "verbose")?.message == "bad value for 'log_level': expected trace, debug, info, notice, warning, error or critical")
        #expect(Self.error("log_format", "yaml")?.message == "bad value for 'log_format': expected json or text")
        #expect(Self.error("log_format", "JSON")?.message == "bad value for 'log_format': expected json or text")
    }

    @Test("log_format takes json or text")
    func logFormat() throws {
        #expect(try F.parseWithRequired("log_format = text\n").logFormat == .text)
        #expect(try F.parseWithRequired("log_format = json\n").logFormat == .json)
    }

    @Test("a Basic auth user name may not contain ':'")
    func basicAuthUser() {
        #expect(F.errorsWithRequired("callback_username = a:b\ncallback_password = p\n") == [
            F.fileError(3, "bad value for 'callback_username': expected a user name without ':'"),
        ])
        #expect(F.errorsWithRequired("history_username = a:b\nhistory_password = p\n") == [
            F.fileError(3, "bad value for 'history_username': expected a user name without ':'"),
        ])
    }

    @Test("credentials and tokens are taken as written")
    func credentials() throws {
        let configuration = try F.parseWithRequired("""
            auth_token_previous = previous token with spaces
            callback_username = twilio
            callback_password = p@ss:w=rd#1
            history_username = auditor
            history_password = ü-secret
            """)
        #expect(configuration.authTokenPrevious == "previous token with spaces")
        #expect(configuration.callbackUsername == "twilio")
        #expect(configuration.callbackPassword == "p@ss:w=rd#1")
        #expect(configuration.historyUsername == "auditor")
        #expect(configuration.historyPassword == "ü-secret")
    }

    @Test("account tokens are keyed by AccountSid in Twilio's lowercase hex")
    func accountTokens() throws {
        let configuration = try F.parse("""
            database_url = postgres://localhost/statushook
            account.AC0123456789ABCDEF0123456789ABCDEF.auth_token = current-a
            account.AC0123456789ABCDEF0123456789ABCDEF.auth_token_previous = previous-a
            account.ACffffffffffffffffffffffffffffffff.auth_token = current-b
            """)
        #expect(configuration.authToken == nil)
        #expect(configuration.accountTokens == [
            "AC0123456789abcdef0123456789abcdef": AccountTokens(current: "current-a", previous: "previous-a"),
            "ACffffffffffffffffffffffffffffffff": AccountTokens(current: "current-b"),
        ])
    }
}
