import Testing
@testable import StatushookCore

/// `sink.<name>.type = slack | teams`: the URL (a secret, with its `_file` form), its rules, the timeout.
@Suite("Configuration chat sinks")
struct ConfigChatSinkTests {
    typealias F = ConfigFixture

    static let slackURL = "https://hooks.slack.com/services/T0001/B0002/SECRETSECRETSECRET"
    static let teamsURL = "https://x.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SIGSIG"

    @Test("slack and teams sinks read url, timeout and statuses; 15s by default")
    func bothTypes() throws {
        let configuration = try F.parseWithRequired("""
            sink.chat.type = slack
            sink.chat.url = \(Self.slackURL)
            sink.chat.statuses = twilio-rejected
            sink.ms.type = teams
            sink.ms.url = \(Self.teamsURL)
            sink.ms.timeout = 5s
            """)
        #expect(configuration.sinks == [
            SinkConfiguration(name: "chat", statuses: ["twilio-rejected"], kind: .slack(ChatSinkSettings(url: Self.slackURL))),
            SinkConfiguration(name: "ms", kind: .teams(ChatSinkSettings(url: Self.teamsURL, timeout: .seconds(5)))),
        ])
    }

    @Test("url_file reads the URL from a file, and the environment can name either form")
    func fileForm() throws {
        let configuration = try F.parseWithRequired("sink.chat.type = slack\nsink.chat.url_file = /run/secrets/slack\n",
                                                    files: ["/run/secrets/slack": Self.slackURL + "\n"])
        #expect(configuration.sinks.first?.kind == .slack(ChatSinkSettings(url: Self.slackURL)))
        let fromEnvironment = try F.parseWithRequired("sink.ms.type = teams\n",
                                                      environment: ["STATUSHOOK_SINK_MS_URL_FILE": "/run/secrets/teams"],
                                                      files: ["/run/secrets/teams": Self.teamsURL])
        #expect(fromEnvironment.sinks.first?.kind == .teams(ChatSinkSettings(url: Self.teamsURL)))
    }

    @Test("a missing url is an error at the sink's first line")
    func missingURL() {
        #expect(F.errorsWithRequired("sink.chat.type = slack\nsink.chat.timeout = 5s\n")
                == [F.fileError(3, "missing required key 'sink.chat.url' for a slack sink")])
        #expect(F.errorsWithRequired("\nsink.ms.type = teams\n")
                == [F.fileError(4, "missing required key 'sink.ms.url' for a teams sink")])
    }

    @Test("url and url_file together are refused, naming both lines")
    func bothForms() {
        let errors = F.errorsWithRequired("sink.chat.type = slack\nsink.chat.url = \(Self.slackURL)\nsink.chat.url_file = /x\n",
                                          files: ["/x": Self.slackURL])
        #expect(errors == [F.fileError(5, "'sink.chat.url_file' and 'sink.chat.url' (line 4) set the same secret: keep one")])
    }

    @Test("http is refused except to this machine; the message never quotes the URL",
          arguments: ["http://hooks.slack.com/services/T0001/B0002/SECRET", "ftp://x/SECRET", "https://[bad/SECRET",
                      "http://127.0.0.2/SECRET", "http://localhost.evil.example/SECRET"])
    func refusedURLs(url: String) throws {
        let errors = F.errorsWithRequired("sink.chat.type = slack\nsink.chat.url = \(url)\n")
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.line == 4)
        #expect(error.message.hasPrefix("bad value for 'sink.chat.url': "))
        #expect(!error.description.contains("SECRET"))
    }

    @Test("http to localhost, 127.0.0.1 or [::1] is allowed (a local relay, a test receiver)",
          arguments: ["http://localhost:8080/slack", "http://127.0.0.1:9/x?y=1", "http://[::1]:80/teams", "HTTPS://hooks.slack.com/x"])
    func localHTTP(url: String) throws {
        let configuration = try F.parseWithRequired("sink.chat.type = teams\nsink.chat.url = \(url)\n")
        #expect(configuration.sinks.first?.kind == .teams(ChatSinkSettings(url: url)))
    }

    @Test("a webhook sink refuses url_file, and the secrets of other types are refused on a chat sink")
    func fieldsPerType() {
        let webhook = F.errorsWithRequired("""
            sink.hooks.type = webhook
            sink.hooks.url_file = /x
            sink.hooks.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
            """, files: ["/x": "https://ops.example.com/hooks"])
        #expect(webhook == [F.fileError(4, "'sink.hooks.url_file' is not a setting of a webhook sink: write 'url' itself")])
        let chat = F.errorsWithRequired("sink.chat.type = slack\nsink.chat.url = \(Self.slackURL)\nsink.chat.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
        #expect(chat == [F.fileError(5, "'sink.chat.secret' is not a setting of a slack sink")])
    }

    @Test("a near miss on a chat sink suggests its own fields")
    func nearMiss() {
        #expect(F.errorsWithRequired("sink.chat.type = slack\nsink.chat.url = \(Self.slackURL)\nsink.chat.url_flie = /x\n")
                == [F.fileError(5, "unknown key 'sink.chat.url_flie' (did you mean 'sink.chat.url_file'?)")])
    }

    @Test("slack and teams sinks digest bursts of more than 10 by default, a minute apart; digest_after = 0 turns it off",
          arguments: ["slack", "teams"])
    func digests(type: String) throws {
        func settings(_ extra: String) throws -> ChatSinkSettings? {
            let text = "sink.chat.type = \(type)\nsink.chat.url = \(Self.slackURL)\n" + extra
            switch try F.parseWithRequired(text).sinks.first?.kind {
            case .slack(let settings), .teams(let settings): return settings
            default: return nil
            }
        }
        let defaults = try #require(try settings(""))
        #expect((defaults.digestAfter, defaults.digestInterval) == (10, .seconds(60)))
        let set = try #require(try settings("sink.chat.digest_after = 25\nsink.chat.digest_interval = 2s\n"))
        #expect((set.digestAfter, set.digestInterval) == (25, .seconds(2)))
        let off = try #require(try settings("sink.chat.digest_after = 0\n"))
        #expect(off.digestAfter == 0)
        #expect(F.errorsWithRequired("sink.chat.type = \(type)\nsink.chat.url = \(Self.slackURL)\nsink.chat.digest_after = -1\n")
                == [F.fileError(5, "bad value for 'sink.chat.digest_after': expected a whole number of at least 0")])
    }

    @Test("digest_after and digest_interval are still refused on log and webhook sinks")
    func digestsNotForLogOrWebhook() {
        let log = F.errorsWithRequired("sink.out.type = log\nsink.out.digest_after = 5\nsink.out.digest_interval = 5s\n")
        #expect(log.map(\.message) == ["'sink.out.digest_after' is not a setting of a log sink",
                                        "'sink.out.digest_interval' is not a setting of a log sink"])
        let webhook = F.errorsWithRequired("""
            sink.hooks.type = webhook
            sink.hooks.url = https://example.com/hook
            sink.hooks.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
            sink.hooks.digest_interval = 5s
            """)
        #expect(webhook.map(\.message) == ["'sink.hooks.digest_interval' is not a setting of a webhook sink"])
    }
}
