import Testing
@testable import StatushookCore

/// The TrustHub REST API keys and the credentials they make.
private let apiKey = "SK0123456789abcdef0123456789abcdef"

@Suite("Configuration: TrustHub API")
struct ConfigTrustHubTests {
    typealias F = ConfigFixture

    @Test("without TrustHub keys the API is not used and reconciliation is off")
    func defaults() throws {
        let configuration = try F.parseWithRequired("")
        #expect(configuration.twilioAPIBase == "https://trusthub.twilio.com")
        #expect(configuration.reconcileInterval == nil)
        #expect(TrustHubSettings(configuration) == nil)
    }

    @Test("twilio_account_sid alone calls the API with that SID and auth_token")
    func accountAndAuthToken() throws {
        let configuration = try F.parseWithRequired("twilio_account_sid = AC0123456789ABCDEF0123456789abcdef\n")
        #expect(configuration.twilioAccountSid == F.accountSid)
        #expect(TrustHubSettings(configuration) == TrustHubSettings(username: F.accountSid, password: F.token,
                                                                       apiBase: "https://trusthub.twilio.com"))
    }

    @Test("a subaccount's own token is used when twilio_account_sid names it")
    func subaccountToken() throws {
        let configuration = try F.parseWithRequired(
            "twilio_account_sid = \(F.accountSid)\naccount.\(F.accountSid).auth_token = sub-token\n")
        #expect(TrustHubSettings(configuration)?.password == "sub-token")
    }

    @Test("an API key and secret win over the account's token; the secret has a '_file' form")
    func apiKeyAndSecret() throws {
        let configuration = try F.parseWithRequired(
            "twilio_account_sid = \(F.accountSid)\ntwilio_api_key = \(apiKey)\ntwilio_api_secret_file = /run/s\n"
                + "twilio_api_base = http://127.0.0.1:9999/\nreconcile_interval = 90s\n",
            files: ["/run/s": "key-secret\n"])
        #expect(TrustHubSettings(configuration) == TrustHubSettings(username: apiKey, password: "key-secret",
                                                                       apiBase: "http://127.0.0.1:9999",
                                                                       reconcileInterval: .seconds(90)))
    }

    @Test("an API key needs its secret, and the secret its key", arguments: [
        ("twilio_api_key = \(apiKey)\n", "'twilio_api_key' is set without 'twilio_api_secret'"),
        ("twilio_api_secret = s\n", "'twilio_api_secret' is set without 'twilio_api_key'"),
    ])
    func keyPair(text: String, message: String) {
        #expect(F.errorsWithRequired(text) == [F.fileError(3, message)])
    }

    @Test("reconcile_interval without credentials is an error naming what is missing")
    func reconcileNeedsCredentials() {
        #expect(F.errorsWithRequired("reconcile_interval = 15m\n") == [
            F.fileError(3, "'reconcile_interval' needs TrustHub API credentials: 'twilio_account_sid' (with its auth token) "
                        + "or 'twilio_api_key' and 'twilio_api_secret'"),
        ])
    }

    @Test("twilio_account_sid without any token to go with it is an error")
    func accountWithoutToken() {
        let other = "AC" + String(repeating: "f", count: 32)
        let errors = F.errors("database_url = dbname=x\naccount.\(other).auth_token = t\ntwilio_account_sid = \(F.accountSid)\n")
        #expect(errors == [F.fileError(3, "'twilio_account_sid' has no auth token to call the TrustHub API with: set 'auth_token' "
                                          + "or 'account.\(F.accountSid).auth_token', or 'twilio_api_key' and 'twilio_api_secret'")])
        #expect(F.errors("database_url = dbname=x\naccount.\(other).auth_token = t\ntwilio_account_sid = \(other)\n") == [])
    }

    @Test("bad values are refused with the rule", arguments: [
        ("twilio_account_sid = AC123\n", "bad value for 'twilio_account_sid': expected 'AC' followed by 32 hex digits"),
        ("twilio_api_key = AC0123456789abcdef0123456789abcdef\ntwilio_api_secret = s\n",
         "bad value for 'twilio_api_key': expected an API key SID: 'SK' followed by 32 hex digits"),
        ("twilio_account_sid = \(ConfigFixture.accountSid)\nreconcile_interval = 500ms\n",
         "bad value for 'reconcile_interval': expected at least 1s"),
    ])
    func badValues(text: String, message: String) {
        let errors = F.errorsWithRequired(text)
        #expect(errors.map(\.message) == [message])
    }

    @Test("twilio_api_base must be an http(s) URL without a query")
    func apiBase() {
        #expect(F.errorsWithRequired("twilio_api_base = ftp://example.com\n").count == 1)
        #expect(F.errorsWithRequired("twilio_api_base = https://example.com/x?y=1\n").count == 1)
    }

    @Test("the API secret is never quoted in an error")
    func secretNotQuoted() {
        let errors = F.errorsWithRequired("twilio_api_secret = hunter2-secret\ntwilio_api_secret = again\n")
        #expect(!errors.description.contains("hunter2-secret"))
    }

    @Test("a changed TrustHub key is reported as needing a restart")
    func restartOnly() throws {
        let running = try F.parseWithRequired("twilio_account_sid = \(F.accountSid)\n")
        let fresh = try F.parseWithRequired("twilio_account_sid = \(F.accountSid)\nreconcile_interval = 5m\n")
        #expect(Daemon.restartOnlyChanges(running: running, fresh: fresh) == ["the TrustHub API keys (twilio_*, reconcile_interval)"])
    }
}
