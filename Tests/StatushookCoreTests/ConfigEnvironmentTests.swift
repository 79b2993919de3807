import Testing
@testable import StatushookCore

/// `STATUSHOOK_*` variables over the file.
@Suite("Configuration environment overrides")
struct ConfigEnvironmentTests {
    typealias F = ConfigFixture

    @Test("STATUSHOOK_<KEY> overrides the file's core key")
    func coreOverride() throws {
        let configuration = try F.parseWithRequired("log_level = info\nlisten = 127.0.0.1:8080\n", environment: [
            "STATUSHOOK_DATABASE_URL": "postgres://other/db",
            "STATUSHOOK_LOG_LEVEL": "debug",
            "STATUSHOOK_LISTEN": "[::1]:9000",
            "STATUSHOOK_RETRY_SCHEDULE": "1s, 2s",
        ])
        #expect(configuration.databaseURL == "postgres://other/db")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.listenHost == "::1")
        #expect(configuration.listenPort == 9000)
        #expect(configuration.retrySchedule == [.seconds(1), .seconds(2)])
    }

    @Test("every core key has its variable", arguments: CoreKey.allCases)
    func everyCoreKeyHasAVariable(key: CoreKey) {
        let name = SettingKey.core(key).environmentName(fileForm: false)
        #expect(name == "STATUSHOOK_" + key.rawValue.uppercased())
        // Set it to a value no key accepts on two lines, to see the variable was read.
        let errors = F.errorsWithRequired("", environment: [name: "bad\nvalue"])
        #expect(errors.contains { $0.source == "environment" && $0.message.hasPrefix("\(name): bad value for '\(key.rawValue)'") })
    }

    @Test("the environment can supply a required key the file lacks")
    func requiredFromEnvironment() throws {
        let configuration = try F.parse("auth_token = t\n", environment: ["STATUSHOOK_DATABASE_URL": "dbname=statushook"])
        #expect(configuration.databaseURL == "dbname=statushook")
    }

    @Test("a '_FILE' variable overrides the file's plain key, and reads the file")
    func fileVariableOverridesPlainKey() throws {
        let configuration = try F.parseWithRequired("", environment: ["STATUSHOOK_AUTH_TOKEN_FILE": "/run/secrets/t"], files: ["/run/secrets/t": "from-file\n"])
        #expect(configuration.authToken == "from-file")
    }

    @Test("a plain variable overrides the file's '_file' key, whose file is then not read")
    func plainVariableOverridesFileKey() throws {
        let configuration = try F.parse("database_url = dbname=x\nauth_token_file = /nonexistent\n", environment: ["STATUSHOOK_AUTH_TOKEN": "from-env"])
        #expect(configuration.authToken == "from-env")
    }

    @Test("both forms of one secret in the environment are an error")
    func bothFormsInEnvironment() {
        #expect(F.errorsWithRequired("", environment: ["STATUSHOOK_AUTH_TOKEN": "a", "STATUSHOOK_AUTH_TOKEN_FILE": "/t"], files: ["/t": "b"]) == [
            F.environmentError("STATUSHOOK_AUTH_TOKEN_FILE: STATUSHOOK_AUTH_TOKEN is set too, for the same secret: keep one"),
        ])
    }

    @Test("a bad variable is an environment error naming the variable and the key")
    func badVariable() {
        #expect(F.errorsWithRequired("", environment: ["STATUSHOOK_MAX_BODY_BYTES": "lots"]) == [
            F.environmentError("STATUSHOOK_MAX_BODY_BYTES: bad value for 'max_body_bytes': expected a positive number of bytes, optionally with a KiB or MiB suffix (65536, 64KiB)"),
        ])
    }

    @Test("an unreadable '_FILE' variable is an environment error naming the path")
    func unreadableFileVariable() {
        #expect(F.errorsWithRequired("", environment: ["STATUSHOOK_AUTH_TOKEN_FILE": "/missing"]) == [
            F.environmentError("STATUSHOOK_AUTH_TOKEN_FILE: cannot read the file '/missing': no such file"),
        ])
    }

    @Test("unknown STATUSHOOK_ variables and other variables are ignored")
    func unknownIgnored() throws {
        let configuration = try F.parseWithRequired("", environment: [
            "STATUSHOOK_TEST_DATABASE_URL": "postgres://test/db",
            "STATUSHOOK_AUTH_TOKN": "typo",
            "STATUSHOOK_CONFIG": "/etc/statushook.conf",
            "STATUSHOOK_SINK_NOWHERE_TYPE": "smtp",
            "DATABASE_URL": "postgres://elsewhere/db",
            "statushook_log_level": "trace",
        ])
        var expected = Configuration(databaseURL: "postgres://localhost/statushook")
        expected.authToken = F.token
        #expect(configuration == expected)
    }

    @Test("an empty variable counts as unset")
    func emptyIsUnset() throws {
        let configuration = try F.parseWithRequired("log_level = warning\n", environment: ["STATUSHOOK_LOG_LEVEL": "", "STATUSHOOK_PUBLIC_URL": "  "])
        #expect(configuration.logLevel == .warning)
        #expect(configuration.publicURL == nil)
    }

    @Test("blanks around a variable's value are trimmed, as in the file")
    func trimmed() throws {
        #expect(try F.parseWithRequired("", environment: ["STATUSHOOK_HTTP_THREADS": " 4 "]).httpThreads == 4)
    }

    @Test("STATUSHOOK_SINK_<NAME>_<FIELD> overrides a sink the file declares")
    func sinkOverride() throws {
        let configuration = try F.parseWithRequired("""
            sink.ops-mail.type = smtp
            sink.ops-mail.smarthost = smtp.example.com:25
            sink.ops-mail.from = a@example.com
            sink.ops-mail.to = b@example.com
            sink.ops-mail.username = u
            sink.ops-mail.password = file-password
            """, environment: [
                "STATUSHOOK_SINK_OPS_MAIL_TO": "c@example.com, d@example.com",
                "STATUSHOOK_SINK_OPS_MAIL_PASSWORD_FILE": "/run/secrets/smtp",
                "STATUSHOOK_SINK_OPS_MAIL_ALLOW_PLAINTEXT_AUTH": "true",
            ], files: ["/run/secrets/smtp": "env-password\n"])
        guard case .smtp(let settings) = configuration.sinks.first?.kind else {
            Issue.record("expected an smtp sink")
            return
        }
        #expect(settings.to == ["c@example.com", "d@example.com"])
        #expect(settings.password == "env-password")
        #expect(settings.allowPlaintextAuth)
    }

    @Test("a sink's required field may come from the environment alone")
    func sinkRequiredFromEnvironment() throws {
        let configuration = try F.parseWithRequired("sink.hooks.type = webhook\nsink.hooks.url = https://h/\n", environment: ["STATUSHOOK_SINK_HOOKS_SECRET": "whsec_AAAA"])
        #expect(configuration.sinks.first?.kind == .webhook(WebhookSinkSettings(url: "https://h/", secret: "whsec_AAAA")))
    }

    @Test("a sink's type may be overridden, and fields of the other type are then refused")
    func sinkTypeOverride() {
        #expect(F.errorsWithRequired("sink.out.type = log\nsink.out.path = -\n", environment: ["STATUSHOOK_SINK_OUT_TYPE": "webhook"]) == [
            F.fileError(3, "missing required key 'sink.out.url' for a webhook sink"),
            F.fileError(3, "missing required key 'sink.out.secret' for a webhook sink"),
            F.fileError(4, "'sink.out.path' is not a setting of a webhook sink"),
        ])
    }

    @Test("a variable for a field the sink's type lacks is an environment error")
    func sinkFieldOfOtherTypeFromEnvironment() {
        #expect(F.errorsWithRequired("sink.console.type = log\n", environment: ["STATUSHOOK_SINK_CONSOLE_URL": "https://h/"]) == [
            F.environmentError("STATUSHOOK_SINK_CONSOLE_URL: 'sink.console.url' is not a setting of a log sink"),
        ])
    }

    @Test("a variable naming two sinks that differ only by '-' and '_' is an error")
    func ambiguousSinkVariable() {
        let text = "sink.a-b.type = log\nsink.a_b.type = log\n"
        #expect(F.errorsWithRequired(text, environment: ["STATUSHOOK_SINK_A_B_PATH": "/tmp/x"]) == [
            F.environmentError("STATUSHOOK_SINK_A_B_PATH: names more than one sink ('a-b', 'a_b'): rename one of them"),
        ])
        #expect((try? F.parseWithRequired(text))?.sinks.count == 2)
    }

    @Test("STATUSHOOK_ACCOUNT_<AccountSid>_AUTH_TOKEN sets an account's token, even one the file lacks")
    func accountVariables() throws {
        let upper = "AC0123456789ABCDEF0123456789ABCDEF"
        let configuration = try F.parseWithRequired("account.\(F.accountSid).auth_token = from-file\n", environment: [
            "STATUSHOOK_ACCOUNT_\(upper)_AUTH_TOKEN": "from-env",
            "STATUSHOOK_ACCOUNT_\(upper)_AUTH_TOKEN_PREVIOUS_FILE": "/p",
            "STATUSHOOK_ACCOUNT_ACFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF_AUTH_TOKEN": "other",
        ], files: ["/p": "previous\n"])
        #expect(configuration.accountTokens == [
            F.accountSid: AccountTokens(current: "from-env", previous: "previous"),
            "ACffffffffffffffffffffffffffffffff": AccountTokens(current: "other"),
        ])
    }

    @Test("an account variable with a malformed AccountSid is an error")
    func badAccountVariable() {
        #expect(F.errorsWithRequired("", environment: ["STATUSHOOK_ACCOUNT_AC123_AUTH_TOKEN": "x"]) == [
            F.environmentError("STATUSHOOK_ACCOUNT_AC123_AUTH_TOKEN: 'AC123' is not an AccountSid ('AC' followed by 32 hex digits)"),
        ])
    }

    @Test("variable names put the key in capitals with '.' and '-' as '_'")
    func variableNames() {
        #expect(SettingKey.core(.databaseURL).environmentName(fileForm: false) == "STATUSHOOK_DATABASE_URL")
        #expect(SettingKey.core(.authToken).environmentName(fileForm: true) == "STATUSHOOK_AUTH_TOKEN_FILE")
        #expect(SettingKey.sink(name: "ops-mail", field: .allowPlaintextAuth).environmentName(fileForm: false) == "STATUSHOOK_SINK_OPS_MAIL_ALLOW_PLAINTEXT_AUTH")
        #expect(SettingKey.account(sid: F.accountSid, field: .authTokenPrevious).environmentName(fileForm: true)
            == "STATUSHOOK_ACCOUNT_AC0123456789ABCDEF0123456789ABCDEF_AUTH_TOKEN_PREVIOUS_FILE")
    }
}
