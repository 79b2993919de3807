import Testing
@testable import StatushookCore

/// `…_file` forms of secrets, and secrets kept out of messages.
@Suite("Configuration secrets")
struct ConfigSecretTests {
    typealias F = ConfigFixture

    @Test("a '_file' key reads its value from the file, without the trailing line end", arguments: [
        "token", "token\n", "token\r\n", "token\n\n",
    ])
    func fileForm(content: String) throws {
        let configuration = try F.parse("database_url = dbname=x\nauth_token_file = /run/secrets/token\n", files: ["/run/secrets/token": content])
        #expect(configuration.authToken == "token")
    }

    @Test("a secret file's content is otherwise taken as is, blanks and '#' included")
    func fileContentLiteral() throws {
        let configuration = try F.parse("database_url = dbname=x\nauth_token_file = /t\n", files: ["/t": " to#ken \n"])
        #expect(configuration.authToken == " to#ken ")
    }

    /// Every secret key, in a text where it is valid, with the value its file holds.
    static let secretKeys: [(key: String, context: String, value: String)] = [
        ("database_url", "auth_token = t\n", "postgres://u:p@h/db"),
        ("auth_token", "database_url = dbname=x\n", "t"),
        ("auth_token_previous", ConfigFixture.required, "old"),
        ("account.\(ConfigFixture.accountSid).auth_token", ConfigFixture.required, "sub"),
        ("account.\(ConfigFixture.accountSid).auth_token_previous", ConfigFixture.required + "account.\(ConfigFixture.accountSid).auth_token = sub\n", "old-sub"),
        ("callback_password", ConfigFixture.required + "callback_username = u\n", "cb"),
        ("history_password", ConfigFixture.required + "history_username = u\n", "hist"),
        ("sink.mail.password", ConfigFixture.required + "sink.mail.type = smtp\nsink.mail.smarthost = h:25\nsink.mail.from = a@b\nsink.mail.to = c@d\nsink.mail.username = u\n", "smtp"),
        ("sink.hooks.secret", ConfigFixture.required + "sink.hooks.type = webhook\nsink.hooks.url = https://h/\n", "whsec_AAAA"),
        ("sink.hooks.secret_previous", ConfigFixture.required + "sink.hooks.type = webhook\nsink.hooks.url = https://h/\nsink.hooks.secret = whsec_AAAA\n", "whsec_QUJD"),
    ]

    @Test("every secret key has a '_file' form giving the same configuration", arguments: secretKeys)
    func everySecretHasFileForm(key: String, context: String, value: String) throws {
        let plain = try F.parse(context + "\(key) = \(value)\n")
        let fromFile = try F.parse(context + "\(key)_file = /run/secrets/s\n", files: ["/run/secrets/s": value + "\n"])
        #expect(plain == fromFile)
    }

    @Test("an unreadable secret file is an error naming the line, the key and the path")
    func unreadable() {
        #expect(F.errors("database_url = dbname=x\nauth_token_file = /run/secrets/missing\n") == [
            F.fileError(2, "cannot read the file '/run/secrets/missing' named by 'auth_token_file': no such file"),
        ])
    }

    @Test("an empty secret file is an error")
    func emptyFile() {
        #expect(F.errors("database_url = dbname=x\nauth_token_file = /t\n", files: ["/t": "\n"]) == [
            F.fileError(2, "the file '/t' named by 'auth_token_file' is empty"),
        ])
    }

    @Test("a secret file of several lines is a bad value, naming the file but not its content")
    func multiLineFile() {
        let errors = F.errors("database_url = dbname=x\nauth_token_file = /t\n", files: ["/t": "first-secret\nsecond-secret\n"])
        #expect(errors == [F.fileError(2, "bad value for 'auth_token' (read from '/t'): expected a single line")])
        #expect(!errors.description.contains("secret\n"))
        #expect(!errors.description.contains("first-secret"))
    }

    @Test("a value read from a file follows the key's rule")
    func fileValueChecked() {
        #expect(F.errors("auth_token = t\ndatabase_url_file = /d\n", files: ["/d": "mysql://x"]) == [
            F.fileError(2, "bad value for 'database_url' (read from '/d'): expected a postgres:// or postgresql:// URL, or a libpq conninfo such as 'host=/tmp dbname=statushook'"),
        ])
    }

    @Test("a '_file' key without a path is a missing value")
    func emptyPath() {
        #expect(F.errors("database_url = dbname=x\nauth_token_file =\n") == [F.fileError(2, "missing value for 'auth_token_file'")])
    }

    @Test("no secret value appears in any error message")
    func secretsNeverInMessages() {
        let secret = "SECRETVALUE"
        let errors = F.errors("""
            database_url = mysql://user:\(secret)@db/x
            auth_token_previous = \(secret)-1
            callback_password = \(secret)-2
            history_password = \(secret)-3
            \(secret)-4
            account.\(F.accountSid).auth_token_previous = \(secret)-5
            sink.hooks.type = webhook
            sink.hooks.url = https://user:\(secret)@h/#x
            sink.hooks.secret = whsec_\(secret)!
            sink.hooks.secret_previous = \(secret)
            sink.mail.type = smtp
            sink.mail.password = \(secret)-6
            sink.mail.secret = \(secret)-7
            postgres://u:\(secret)@h/db?sslmode=require
            auth_token_file = /run/secret
            """, environment: [
                "STATUSHOOK_HISTORY_PASSWORD": "\(secret)\nsecond line",
                "STATUSHOOK_SINK_HOOKS_SECRET": "\(secret)-env",
            ], files: ["/run/secret": "\(secret)\n\(secret)"])
        #expect(errors.count >= 12)
        for error in errors {
            #expect(!error.description.contains(secret), "\(error.description)")
        }
    }
}
