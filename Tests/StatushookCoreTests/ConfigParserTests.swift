import Testing
@testable import StatushookCore

/// The line grammar: `key = value`, comments, blanks, and how errors are collected and shown.
@Suite("Configuration grammar")
struct ConfigParserTests {
    typealias F = ConfigFixture

    @Test("the two required keys alone give every default")
    func defaults() throws {
        let configuration = try F.parse(F.required)
        var expected = Configuration(databaseURL: "postgres://localhost/statushook")
        expected.authToken = F.token
        #expect(configuration == expected)
        #expect(configuration.listenHost == "127.0.0.1")
        #expect(configuration.listenPort == 8080)
        #expect(configuration.publicURL == nil)
        #expect(configuration.callbackPath == "/callbacks/twilio")
        #expect(configuration.trustedProxies.isEmpty)
        #expect(configuration.maxBodyBytes == 65536)
        #expect(configuration.retrySchedule == [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000)])
        #expect(configuration.sinkPauseAfter == 20)
        #expect(configuration.retentionDays == nil)
        #expect(configuration.logLevel == .info)
        #expect(configuration.logFormat == .json)
        #expect(configuration.maxConnections == 1024)
        #expect(configuration.connectionTimeout == .seconds(10))
        #expect(configuration.httpThreads == 2)
        #expect(configuration.sinks.isEmpty)
        #expect(configuration.accountTokens.isEmpty)
    }

    @Test("comment lines, indented comments and blank lines are ignored")
    func commentsAndBlanks() throws {
        let configuration = try F.parse("""
            # a comment
               # an indented comment
            \t# a comment after a tab

            \t  \t
            database_url = postgres://localhost/statushook
            #auth_token = commented-out
            auth_token = \(F.token)
            """)
        #expect(configuration.authToken == F.token)
    }

    @Test("blanks around keys and values are trimmed, tabs included")
    func trimming() throws {
        let configuration = try F.parseWithRequired("  \tlog_level\t=   debug \t\nhttp_threads=4\n")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.httpThreads == 4)
    }

    @Test("a '#' inside a value is part of the value, not a comment")
    func hashInValue() throws {
        let configuration = try F.parse("""
            database_url = postgres://localhost/statushook
            auth_token = abc#def # not a comment
            callback_username = twilio
            callback_password = #starts-with-hash
            """)
        #expect(configuration.authToken == "abc#def # not a comment")
        #expect(configuration.callbackPassword == "#starts-with-hash")
    }

    @Test("a value may contain '=': the first one separates key and value")
    func equalsInValue() throws {
        let configuration = try F.parse("""
            database_url = host=/tmp dbname=statushook
            auth_token = a=b==
            """)
        #expect(configuration.databaseURL == "host=/tmp dbname=statushook")
        #expect(configuration.authToken == "a=b==")
    }

    @Test("quotes are taken literally")
    func quotesAreLiteral() throws {
        let configuration = try F.parse("""
            database_url = postgres://localhost/statushook
            auth_token = "quoted"
            """)
        #expect(configuration.authToken == "\"quoted\"")
    }

    @Test("a trailing comment after a value makes that value bad")
    func trailingCommentIsValue() {
        #expect(F.errorsWithRequired("log_level = info # chatty\n") == [
            F.fileError(3, "bad value for 'log_level': expected trace, debug, info, notice, warning, error or critical"),
        ])
    }

    @Test("CRLF line ends and a byte order mark are accepted")
    func crlfAndBOM() throws {
        let configuration = try F.parse("\u{FEFF}database_url = postgres://localhost/statushook\r\nauth_token = \(F.token)\r\nlog_level = warning\r\n")
        #expect(configuration.authToken == F.token)
        #expect(configuration.logLevel == .warning)
    }

    @Test("a line without '=' is an error naming the line, not quoting it")
    func lineWithoutEquals() {
        let errors = F.errorsWithRequired("\nlisten 127.0.0.1:8080\n")
        #expect(errors == [F.fileError(4, "expected 'key = value'")])
    }

    @Test("a line with nothing before '=' is an error naming the line")
    func missingKey() {
        #expect(F.errorsWithRequired(" = value\n") == [F.fileError(3, "expected a key before '='")])
    }

    @Test("an empty value is an error naming the key and the line")
    func emptyValue() {
        #expect(F.errorsWithRequired("public_url =\n") == [F.fileError(3, "missing value for 'public_url'")])
    }

    @Test("every error is collected: a file with three errors yields three")
    func allErrorsCollected() {
        let errors = F.errorsWithRequired("""
            log_level = loud
            auth_tokn = x
            http_threads = many
            """)
        #expect(errors.count == 3)
        #expect(errors.map(\.line) == [3, 4, 5])
    }

    @Test("errors come by line, then whole-file errors, then environment errors")
    func errorOrder() {
        let errors = F.errors("""
            log_format = yaml
            sink.console.type = log
            listen = nowhere
            """, environment: ["STATUSHOOK_HTTP_THREADS": "0"])
        #expect(errors == [
            F.fileError(1, "bad value for 'log_format': expected json or text"),
            F.fileError(3, "bad value for 'listen': expected a numeric IPv4 address, or an IPv6 address in brackets, then ':' and a port from 1 to 65535 (127.0.0.1:8080, [::1]:8080)"),
            F.fileError(nil, "missing required key 'database_url'"),
            F.fileError(nil, "missing required key 'auth_token' (or at least one 'account.<AccountSid>.auth_token')"),
            F.environmentError("STATUSHOOK_HTTP_THREADS: bad value for 'http_threads': expected a whole number of at least 1"),
        ])
    }

    @Test("an error reads 'file:line: message', or 'file: message' without a line")
    func errorDescription() {
        #expect(F.fileError(12, "unknown key 'auth_tokn' (did you mean 'auth_token'?)").description
            == "statushook.conf:12: unknown key 'auth_tokn' (did you mean 'auth_token'?)")
        #expect(F.fileError(nil, "missing required key 'database_url'").description
            == "statushook.conf: missing required key 'database_url'")
        #expect(F.environmentError("STATUSHOOK_LISTEN: bad value").description == "environment: STATUSHOOK_LISTEN: bad value")
    }

    @Test("all errors together print one a line")
    func errorsDescription() {
        do {
            _ = try F.parse("auth_tokn = x\n")
            Issue.record("expected errors")
        } catch {
            #expect(error.description == """
                statushook.conf:1: unknown key 'auth_tokn' (did you mean 'auth_token'?)
                statushook.conf: missing required key 'database_url'
                statushook.conf: missing required key 'auth_token' (or at least one 'account.<AccountSid>.auth_token')
                """)
        }
    }

    @Test("the file's path as given is the source of its errors")
    func sourceIsThePath() {
        do {
            _ = try ConfigurationLoader.parse("x = 1", source: "/etc/statushook/statushook.conf", environment: [:]) { _ in "" }
        } catch {
            #expect(error.errors.first?.description == "/etc/statushook/statushook.conf:1: unknown key 'x'")
        }
    }
}
