import Testing
@testable import StatushookCore

/// Required keys and keys that need a companion.
@Suite("Configuration required keys")
struct ConfigRequiredTests {
    typealias F = ConfigFixture

    @Test("an empty file lacks database_url and a token, reported without a line")
    func emptyFile() {
        #expect(F.errors("") == [
            F.fileError(nil, "missing required key 'database_url'"),
            F.fileError(nil, "missing required key 'auth_token' (or at least one 'account.<AccountSid>.auth_token')"),
        ])
    }

    @Test("a file of comments only is as empty")
    func commentsOnly() {
        #expect(F.errors("# nothing\n\n   # here\n").count == 2)
    }

    @Test("an account's own token is enough without auth_token")
    func accountTokenSuffices() throws {
        let configuration = try F.parse("database_url = dbname=x\naccount.\(F.accountSid).auth_token = t\n")
        #expect(configuration.authToken == nil)
        #expect(configuration.accountTokens[F.accountSid] == AccountTokens(current: "t"))
    }

    @Test("an account's previous token alone is not enough")
    func accountPreviousAlone() {
        #expect(F.errors("database_url = dbname=x\naccount.\(F.accountSid).auth_token_previous = t\n") == [
            F.fileError(2, "'account.\(F.accountSid).auth_token_previous' is set without 'account.\(F.accountSid).auth_token'"),
            F.fileError(nil, "missing required key 'auth_token' (or at least one 'account.<AccountSid>.auth_token')"),
        ])
    }

    @Test("auth_token_previous without auth_token is an error at its line")
    func previousWithoutCurrent() {
        #expect(F.errors("database_url = dbname=x\nauth_token_previous = old\naccount.\(F.accountSid).auth_token = t\n") == [
            F.fileError(2, "'auth_token_previous' is set without 'auth_token'"),
        ])
    }

    @Test("a key set with a bad value is not also reported missing")
    func badIsNotMissing() {
        #expect(F.errors("database_url = nonsense\nauth_token = t\n") == [
            F.fileError(1, "bad value for 'database_url': expected a postgres:// or postgresql:// URL, or a libpq conninfo such as 'host=/tmp dbname=statushook'"),
        ])
        #expect(F.errors("database_url =\nauth_token = t\n") == [F.fileError(1, "missing value for 'database_url'")])
    }

    @Test("callback and history user names and passwords come in pairs", arguments: [
        ("callback_username", "callback_password"), ("callback_password", "callback_username"),
        ("history_username", "history_password"), ("history_password", "history_username"),
    ])
    func pairs(present: String, absent: String) {
        #expect(F.errorsWithRequired("\(present) = x\n") == [F.fileError(3, "'\(present)' is set without '\(absent)'")])
    }

    @Test("a complete pair of credentials is accepted")
    func completePairs() throws {
        let configuration = try F.parseWithRequired("callback_username = u\ncallback_password = p\nhistory_username = h\nhistory_password = q\n")
        #expect(configuration.callbackUsername == "u")
        #expect(configuration.historyPassword == "q")
    }
}
