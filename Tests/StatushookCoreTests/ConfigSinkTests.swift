import SMTPClient
import Testing
@testable import StatushookCore

/// `sink.<name>.…`: types, filters, each type's fields, defaults and rules.
@Suite("Configuration sinks")
struct ConfigSinkTests {
    typealias F = ConfigFixture

    static let smtp = """
        sink.mail.type = smtp
        sink.mail.smarthost = smtp.example.com:587
        sink.mail.from = statushook@example.com
        sink.mail.to = onboarding@example.com

        """

    static let webhook = """
        sink.hooks.type = webhook
        sink.hooks.url = https://ops.example.com/hooks
        sink.hooks.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

        """

    /// The single error of the sink text after the required keys.
    static func error(_ text: String) -> ConfigurationError? {
        let errors = F.errorsWithRequired(text)
        #expect(errors.count == 1)
        return errors.first
    }

    @Test("a log sink writes to standard output unless given a path")
    func logSink() throws {
        let configuration = try F.parseWithRequired("sink.console.type = log\nsink.audit.type = log\nsink.audit.path = /var/log/statushook/t.log\n")
        #expect(configuration.sinks == [
            SinkConfiguration(name: "console", kind: .log(LogSinkSettings(path: "-"))),
            SinkConfiguration(name: "audit", kind: .log(LogSinkSettings(path: "/var/log/statushook/t.log"))),
        ])
    }

    @Test("sinks come in the order of their first key, however their keys interleave")
    func sinkOrder() throws {
        let configuration = try F.parseWithRequired("""
            sink.b.path = -
            sink.a.type = log
            sink.c.type = log
            sink.b.type = log
            """)
        #expect(configuration.sinks.map(\.name) == ["b", "a", "c"])
    }

    @Test("an smtp sink has its defaults: starttls, no AUTH, no EHLO name, 30s")
    func smtpDefaults() throws {
        let configuration = try F.parseWithRequired(Self.smtp)
        #expect(configuration.sinks == [SinkConfiguration(name: "mail", kind: .smtp(SMTPSinkSettings(
            smarthostHost: "smtp.example.com", smarthostPort: 587, from: "statushook@example.com", to: ["onboarding@example.com"],
            tls: .starttls, username: nil, password: nil, hello: nil, allowPlaintextAuth: false, timeout: .seconds(30)
        )))])
    }

    @Test("an smtp sink reads every field")
    func smtpAllFields() throws {
        let configuration = try F.parseWithRequired("""
            sink.mail.type = smtp
            sink.mail.statuses = twilio-approved, twilio-rejected
            sink.mail.smarthost = [2001:db8::25]:465
            sink.mail.from = statushook@example.com
            sink.mail.to = a@example.com,b@example.com, c@example.com
            sink.mail.tls = implicit
            sink.mail.username = statushook
            sink.mail.password = p#ss word
            sink.mail.hello = hooks.example.com
            sink.mail.allow_plaintext_auth = true
            sink.mail.timeout = 2m
            """)
        #expect(configuration.sinks == [SinkConfiguration(name: "mail", statuses: ["twilio-approved", "twilio-rejected"], kind: .smtp(SMTPSinkSettings(
            smarthostHost: "2001:db8::25", smarthostPort: 465, from: "statushook@example.com",
            to: ["a@example.com", "b@example.com", "c@example.com"], tls: .implicit, username: "statushook",
            password: "p#ss word", hello: "hooks.example.com", allowPlaintextAuth: true, timeout: .seconds(120)
        )))])
    }

    @Test("an smtp sink digests bursts of more than 10 by default, a minute apart; digest_after = 0 turns it off")
    func smtpDigests() throws {
        func settings(_ extra: String) throws -> SMTPSinkSettings? {
            guard case .smtp(let settings) = try F.parseWithRequired(Self.smtp + extra).sinks.first?.kind else { return nil }
            return settings
        }
        let defaults = try #require(try settings(""))
        #expect(defaults.digestAfter == 10)
        #expect(defaults.digestInterval == .seconds(60))
        let set = try #require(try settings("sink.mail.digest_after = 0\nsink.mail.digest_interval = 5m\n"))
        #expect(set.digestAfter == 0)
        #expect(set.digestInterval == .seconds(300))
    }

    @Test("digest_after is not a setting of a webhook sink")
    func digestsAreForSMTP() {
        let errors = F.errorsWithRequired("""
            sink.hooks.type = webhook
            sink.hooks.url = https://example.com/hook
            sink.hooks.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
            sink.hooks.digest_after = 5
            """)
        #expect(errors.map(\.message) == ["'sink.hooks.digest_after' is not a setting of a webhook sink"])
    }

    @Test("smtp tls takes starttls, implicit or none", arguments: SMTPTLSMode.allCases)
    func smtpTLS(mode: SMTPTLSMode) throws {
        let configuration = try F.parseWithRequired(Self.smtp + "sink.mail.tls = \(mode.rawValue)\n")
        guard case .smtp(let settings) = configuration.sinks.first?.kind else {
            Issue.record("expected an smtp sink")
            return
        }
        #expect(settings.tls == mode)
    }

    @Test("a smarthost is host:port with a name, an IPv4 address or a bracketed IPv6 address", arguments: [
        ("smtp.example.com:25", "smtp.example.com", 25), ("192.0.2.25:2525", "192.0.2.25", 2525),
        ("[::1]:25", "::1", 25), ("localhost:1025", "localhost", 1025),
    ] as [(String, String, UInt16)])
    func smarthost(value: String, host: String, port: UInt16) throws {
        let text = Self.smtp.replacingOccurrences(of: "smtp.example.com:587", with: value)
        guard case .smtp(let settings) = try F.parseWithRequired(text).sinks.first?.kind else {
            Issue.record("expected an smtp sink")
            return
        }
        #expect(settings.smarthostHost == host)
        #expect(settings.smarthostPort == port)
    }

    @Test("a bad smtp value names its key, its line and its rule", arguments: [
        ("smarthost", "smtp.example.com", "expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)"),
        ("smarthost", "smtp.example.com:0", "expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)"),
        ("smarthost", "-smtp.example.com:25", "expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)"),
        ("smarthost", "2001:db8::25:25", "expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)"),
        ("smarthost", "[smtp.example.com]:25", "expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)"),
        ("smarthost", "smtp..example.com:25", "expected host:port with a port from 1 to 65535 (smtp.example.com:587, [2001:db8::25]:25)"),
        ("from", "a@b@example.com", "expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("from", "@example.com", "expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("from", "statushook@", "expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("from", "Statushook <statushook@example.com>", "expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("from", "a@example.com,b@example.com", "expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("from", "no-at-sign", "expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("to", "a@example.com, nobody", "item 2: expected a mail address: one '@', no spaces, '<', '>' or ','"),
        ("to", "a@example.com,,b@example.com", "item 2 of the list is empty"),
        ("tls", "ssl", "expected starttls, implicit or none"),
        ("hello", "my host", "expected a host name or address literal, without spaces"),
        ("allow_plaintext_auth", "yes", "expected true or false"),
        ("allow_plaintext_auth", "True", "expected true or false"),
        ("allow_plaintext_auth", "1", "expected true or false"),
        ("timeout", "30", "expected a positive duration: a whole number and ms, s, m, h or d (500ms, 5s, 2h)"),
        ("digest_after", "-1", "expected a whole number of at least 0"),
        ("digest_after", "ten", "expected a whole number of at least 0"),
        ("digest_interval", "0s", "expected a positive duration: a whole number and ms, s, m, h or d (500ms, 5s, 2h)"),
        ("statuses", "Twilio-Approved", "expected a status of 1 to 64 of a-z, 0-9 and '-' (twilio-approved)"),
        ("statuses", "twilio-approved, in review", "item 2: expected a status of 1 to 64 of a-z, 0-9 and '-' (twilio-approved)"),
        ("statuses", String(repeating: "a", count: 65), "expected a status of 1 to 64 of a-z, 0-9 and '-' (twilio-approved)"),
    ])
    func badSMTPValue(field: String, value: String, rule: String) {
        let base = Self.smtp.split(separator: "\n").filter { !$0.hasPrefix("sink.mail.\(field) =") }.joined(separator: "\n")
        let text = base + "\nsink.mail.\(field) = \(value)\n"
        let line = 2 + base.split(separator: "\n").count + 1
        #expect(Self.error(text) == F.fileError(line, "bad value for 'sink.mail.\(field)': \(rule)"))
    }

    @Test("statuses filter any sink, up to 64 characters each")
    func statuses() throws {
        let long = String(repeating: "a", count: 64)
        let configuration = try F.parseWithRequired("sink.x.type = log\nsink.x.statuses = draft,in-review, \(long), 42\n")
        #expect(configuration.sinks.first?.statuses == ["draft", "in-review", long, "42"])
    }

    @Test("a webhook sink has a 15s timeout and no previous secret by default")
    func webhookDefaults() throws {
        let configuration = try F.parseWithRequired(Self.webhook)
        #expect(configuration.sinks == [SinkConfiguration(name: "hooks", kind: .webhook(WebhookSinkSettings(
            url: "https://ops.example.com/hooks", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secretPrevious: nil, timeout: .seconds(15)
        )))])
    }

    @Test("a webhook sink reads every field; its URL may carry a query")
    func webhookAllFields() throws {
        let configuration = try F.parseWithRequired("""
            sink.hooks.type = webhook
            sink.hooks.statuses = twilio-rejected
            sink.hooks.url = http://10.0.0.5:8080/in?source=statushook
            sink.hooks.secret = whsec_AAAA
            sink.hooks.secret_previous = whsec_QUJD
            sink.hooks.timeout = 500ms
            """)
        #expect(configuration.sinks == [SinkConfiguration(name: "hooks", statuses: ["twilio-rejected"], kind: .webhook(WebhookSinkSettings(
            url: "http://10.0.0.5:8080/in?source=statushook", secret: "whsec_AAAA", secretPrevious: "whsec_QUJD", timeout: .milliseconds(500)
        )))])
    }

    @Test("a bad webhook value names its key and its rule, never the secret", arguments: [
        ("url", "ftp://example.com/x", "expected an http:// or https:// URL"),
        ("url", "https://example.com/x#f", "a URL here may not have a fragment ('#')"),
        ("url", "example.com/x", "expected an http:// or https:// URL"),
        ("secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "expected 'whsec_' followed by base64"),
        ("secret", "whsec_", "expected 'whsec_' followed by base64"),
        ("secret", "whsec_not*base64!", "expected 'whsec_' followed by base64"),
        ("secret", "whsec_AAA", "expected 'whsec_' followed by base64"),
        ("secret_previous", "whsec_@@@@", "expected 'whsec_' followed by base64"),
        ("timeout", "fast", "expected a positive duration: a whole number and ms, s, m, h or d (500ms, 5s, 2h)"),
    ])
    func badWebhookValue(field: String, value: String, rule: String) {
        let base = Self.webhook.split(separator: "\n").filter { !$0.hasPrefix("sink.hooks.\(field) =") }.joined(separator: "\n")
        let text = base + "\nsink.hooks.\(field) = \(value)\n"
        let line = 2 + base.split(separator: "\n").count + 1
        let error = Self.error(text)
        #expect(error == F.fileError(line, "bad value for 'sink.hooks.\(field)': \(rule)"))
        if field.hasPrefix("secret"), value != "whsec_" {
            #expect(error?.description.contains(value) == false)
        }
    }

    @Test("an unknown sink type is a bad value, and that sink's fields are not judged further")
    func badType() {
        #expect(Self.error("sink.x.type = email\nsink.x.url = https://example.com/\n") == F.fileError(3, "bad value for 'sink.x.type': expected log, smtp, webhook, slack or teams"))
    }

    @Test("a sink without a type is reported at the line of the sink's first key")
    func missingType() {
        #expect(F.errorsWithRequired("log_level = info\nsink.out.path = -\nsink.out.statuses = draft\n") == [
            F.fileError(4, "missing required key 'sink.out.type' (log, smtp, webhook, slack or teams)"),
        ])
    }

    @Test("an smtp sink without smarthost, from and to gets one error for each, at its first line")
    func smtpRequired() {
        #expect(F.errorsWithRequired("\nsink.mail.type = smtp\n") == [
            F.fileError(4, "missing required key 'sink.mail.smarthost' for an smtp sink"),
            F.fileError(4, "missing required key 'sink.mail.from' for an smtp sink"),
            F.fileError(4, "missing required key 'sink.mail.to' for an smtp sink"),
        ])
    }

    @Test("a webhook sink without url and secret gets one error for each, at its first line")
    func webhookRequired() {
        #expect(F.errorsWithRequired("sink.hooks.timeout = 5s\nsink.hooks.type = webhook\n") == [
            F.fileError(3, "missing required key 'sink.hooks.url' for a webhook sink"),
            F.fileError(3, "missing required key 'sink.hooks.secret' for a webhook sink"),
        ])
    }

    @Test("an smtp user name needs its password, and a password its user name")
    func smtpCredentialsPair() {
        #expect(Self.error(Self.smtp + "sink.mail.username = u\n") == F.fileError(7, "'sink.mail.username' is set without 'sink.mail.password'"))
        #expect(Self.error(Self.smtp + "sink.mail.password = p\n") == F.fileError(7, "'sink.mail.password' is set without 'sink.mail.username'"))
    }
}
