import Testing
@testable import StatushookCore

/// Keys: unknown ones with the key meant, duplicates, both forms of a secret, sink and account keys.
@Suite("Configuration keys")
struct ConfigKeyTests {
    typealias F = ConfigFixture

    @Test("an unknown key near a known one names the line and the key meant", arguments: [
        ("auth_tokn", "auth_token"),
        ("Auth_Token", "auth_token"),
        ("LISTEN", "listen"),
        ("databse_url", "database_url"),
        ("listen_address", "listen"),
        ("token", "auth_token"),
        ("max_body", "max_body_bytes"),
        ("retry_shcedule", "retry_schedule"),
        ("auth_token_previous_fil", "auth_token_previous_file"),
        ("retention", "retention_days"),
        ("sinks.mail.type", "sink.mail.type"),
        ("snk.mail.smarthots", "sink.mail.smarthost"),
        ("acount.\(ConfigFixture.accountSid).auth_token", "account.\(ConfigFixture.accountSid).auth_token"),
    ])
    func nearMiss(written: String, meant: String) {
        #expect(F.errorsWithRequired("\(written) = x\n") == [
            F.fileError(3, "unknown key '\(written)' (did you mean '\(meant)'?)"),
        ])
    }

    @Test("an unknown key far from every known one is named without a guess", arguments: ["frobnicate", "x", "sink.mail", "a.b.c.d", "sink.mail.type.extra"])
    func unknownWithoutSuggestion(written: String) {
        #expect(F.errorsWithRequired("\(written) = 1\n") == [F.fileError(3, "unknown key '\(written)'")])
    }

    @Test("a '_file' form exists only for secrets")
    func fileFormOnlyForSecrets() {
        #expect(F.errorsWithRequired("listen_file = /run/listen\n") == [
            F.fileError(3, "unknown key 'listen_file' (did you mean 'listen'?)"),
        ])
    }

    @Test("text before '=' that cannot be a key is refused without being quoted")
    func malformedKeyIsNotEchoed() {
        let errors = F.errorsWithRequired("postgres://statushook:hunter2@db/statushook?sslmode=require\n")
        #expect(errors == [F.fileError(3, "the text before '=' is not a key (keys are letters, digits, '.', '_' and '-')")])
        #expect(!errors.description.contains("hunter2"))
    }

    @Test("a key set twice is an error on the second line naming the first")
    func duplicate() {
        #expect(F.errorsWithRequired("log_level = info\n\nlog_level = debug\n") == [
            F.fileError(5, "duplicate key 'log_level' (first set on line 3)"),
        ])
    }

    @Test("a key set three times gives an error for each repeat")
    func triplicate() {
        #expect(F.errorsWithRequired("http_threads = 1\nhttp_threads = 2\nhttp_threads = 3\n") == [
            F.fileError(4, "duplicate key 'http_threads' (first set on line 3)"),
            F.fileError(5, "duplicate key 'http_threads' (first set on line 3)"),
        ])
    }

    @Test("a sink key set twice is a duplicate")
    func duplicateSinkKey() {
        #expect(F.errorsWithRequired("sink.a.type = log\nsink.a.path = -\nsink.a.path = /tmp/x\n") == [
            F.fileError(5, "duplicate key 'sink.a.path' (first set on line 4)"),
        ])
    }

    @Test("one AccountSid written in two cases is one account, so its key is a duplicate")
    func duplicateAccountInOtherCase() {
        let lower = "account.AC0123456789abcdef0123456789abcdef.auth_token"
        let upper = "account.AC0123456789ABCDEF0123456789ABCDEF.auth_token"
        #expect(F.errorsWithRequired("\(lower) = a\n\(upper) = b\n") == [
            F.fileError(4, "duplicate key '\(upper)' (first set on line 3)"),
        ])
    }

    @Test("a secret set both plainly and by '_file' is an error naming both lines")
    func bothForms() {
        #expect(F.errors("database_url = postgres://h/db\nauth_token_file = /run/t\nauth_token = x\n", files: ["/run/t": "y"]) == [
            F.fileError(3, "'auth_token' and 'auth_token_file' (line 2) set the same secret: keep one"),
        ])
        #expect(F.errorsWithRequired("sink.w.type = webhook\nsink.w.url = https://h/\nsink.w.secret = whsec_AAAA\nsink.w.secret_file = /s\n", files: ["/s": "whsec_AAAA"]) == [
            F.fileError(6, "'sink.w.secret_file' and 'sink.w.secret' (line 5) set the same secret: keep one"),
        ])
    }

    @Test("a sink name outside [a-z0-9_-]{1,32} is an error naming it", arguments: ["Mail", "mail.box", "m@il", String(repeating: "a", count: 33)])
    func badSinkName(name: String) {
        let key = "sink.\(name).type"
        let errors = F.errorsWithRequired("\(key) = log\n")
        if name.contains(".") {
            #expect(errors == [F.fileError(3, "unknown key '\(key)'")])
        } else if name.contains("@") {
            #expect(errors == [F.fileError(3, "the text before '=' is not a key (keys are letters, digits, '.', '_' and '-')")])
        } else {
            #expect(errors == [F.fileError(3, "bad sink name '\(name)' in '\(key)': expected 1 to 32 of a-z, 0-9, '_' and '-'")])
        }
    }

    @Test("sink names may use digits, '_' and '-' up to 32 characters")
    func goodSinkNames() throws {
        let long = String(repeating: "z", count: 32)
        let configuration = try F.parseWithRequired("sink.ops-1_a.type = log\nsink.\(long).type = log\n")
        #expect(configuration.sinks.map(\.name) == ["ops-1_a", long])
    }

    @Test("a field that exists but not for the sink's type is an error at its line")
    func fieldOfAnotherType() {
        #expect(F.errorsWithRequired("sink.audit.type = log\nsink.audit.url = https://example.com/\n") == [
            F.fileError(4, "'sink.audit.url' is not a setting of a log sink"),
        ])
        #expect(F.errorsWithRequired("""
            sink.hooks.type = webhook
            sink.hooks.url = https://example.com/
            sink.hooks.secret = whsec_AAAA
            sink.hooks.smarthost = smtp.example.com:25
            sink.hooks.path = -
            """) == [
            F.fileError(6, "'sink.hooks.smarthost' is not a setting of a webhook sink"),
            F.fileError(7, "'sink.hooks.path' is not a setting of a webhook sink"),
        ])
        #expect(F.errorsWithRequired("""
            sink.mail.type = smtp
            sink.mail.smarthost = smtp.example.com:25
            sink.mail.from = a@example.com
            sink.mail.to = b@example.com
            sink.mail.secret = whsec_AAAA
            """) == [F.fileError(7, "'sink.mail.secret' is not a setting of an smtp sink")])
    }

    @Test("a secret's '_file' form on a sink without that secret is named as written")
    func misplacedFileForm() {
        #expect(F.errorsWithRequired("sink.out.type = log\nsink.out.password_file = /p\n", files: ["/p": "x"]) == [
            F.fileError(4, "'sink.out.password_file' is not a setting of a log sink"),
        ])
    }

    @Test("a mistyped sink field suggests the field meant for that sink's type")
    func sinkFieldNearMiss() {
        #expect(F.errorsWithRequired("""
            sink.mail.type = smtp
            sink.mail.smarthots = smtp.example.com:25
            sink.mail.form = a@example.com
            sink.mail.to = b@example.com
            """) == [
            F.fileError(3, "missing required key 'sink.mail.smarthost' for an smtp sink"),
            F.fileError(3, "missing required key 'sink.mail.from' for an smtp sink"),
            F.fileError(4, "unknown key 'sink.mail.smarthots' (did you mean 'sink.mail.smarthost'?)"),
            F.fileError(5, "unknown key 'sink.mail.form' (did you mean 'sink.mail.from'?)"),
        ])
        // For a log sink "pth" means its path; "timout" is no log setting, so nothing is guessed.
        #expect(F.errorsWithRequired("sink.out.type = log\nsink.out.pth = -\nsink.out.timout = 5s\n") == [
            F.fileError(4, "unknown key 'sink.out.pth' (did you mean 'sink.out.path'?)"),
            F.fileError(5, "unknown key 'sink.out.timout'"),
        ])
    }

    @Test("a sink field near-miss without a known type is sought among every field")
    func sinkFieldNearMissWithoutType() {
        #expect(F.errorsWithRequired("sink.x.tpye = log\n") == [
            F.fileError(3, "missing required key 'sink.x.type' (log, smtp, webhook, slack or teams)"),
            F.fileError(3, "unknown key 'sink.x.tpye' (did you mean 'sink.x.type'?)"),
        ])
    }

    @Test("a bad AccountSid in an account key is named")
    func badAccountSid() {
        #expect(F.errorsWithRequired("account.AC123.auth_token = x\n") == [
            F.fileError(3, "bad AccountSid 'AC123' in 'account.AC123.auth_token': expected 'AC' followed by 32 hex digits"),
        ])
        let notHex = "AC" + String(repeating: "g", count: 32)
        #expect(F.errorsWithRequired("account.\(notHex).auth_token = x\n").first?.message.hasPrefix("bad AccountSid '\(notHex)'") == true)
    }

    @Test("a mistyped account field suggests the account key meant")
    func accountFieldNearMiss() {
        let sid = F.accountSid
        #expect(F.errorsWithRequired("account.\(sid).auth_tokn = x\n") == [
            F.fileError(3, "unknown key 'account.\(sid).auth_tokn' (did you mean 'account.\(sid).auth_token'?)"),
        ])
    }
}

/// The near-miss rule on its own.
@Suite("Configuration key suggestions")
struct ConfigKeySuggestionTests {
    @Test("edit distance counts a swap of neighbours as one edit")
    func distance() {
        func d(_ a: String, _ b: String) -> Int {
            KeySuggestion.editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars))
        }
        #expect(d("", "") == 0)
        #expect(d("abc", "") == 3)
        #expect(d("smarthots", "smarthost") == 1)
        #expect(d("auth_tokn", "auth_token") == 1)
        #expect(d("kitten", "sitting") == 3)
        #expect(d("form", "from") == 1)
    }

    @Test("short keys get a suggestion only one edit away")
    func shortKeys() {
        #expect(KeySuggestion.nearest(to: "tx", among: ["to", "tls"]) == "to")
        #expect(KeySuggestion.nearest(to: "ab", among: ["to", "tls"]) == nil)
    }

    @Test("the closest candidate wins, and ties go to the first listed")
    func closestWins() {
        #expect(KeySuggestion.nearest(to: "logg_level", among: ["log_format", "log_level"]) == "log_level")
        #expect(KeySuggestion.nearest(to: "abcde", among: ["abcdx", "abcdy"]) == "abcdx")
    }

    @Test("a prefix or suffix match needs four shared characters")
    func affixNeedsFourCharacters() {
        #expect(KeySuggestion.nearest(to: "path_to_log", among: ["path"]) == "path")
        #expect(KeySuggestion.nearest(to: "to_addresses", among: ["to"]) == nil)
    }
}
