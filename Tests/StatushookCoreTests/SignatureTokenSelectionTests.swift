import Testing
@testable import StatushookCore

@Suite("Signature: which tokens may sign")
struct SignatureTokenSelectionTests {
    static let acme = "AC" + String(repeating: "a", count: 32)
    static let other = "AC" + String(repeating: "b", count: 32)

    @Test("without accounts: auth_token then auth_token_previous")
    func defaults() {
        let selection = TokenSelection(authToken: "current", authTokenPrevious: "previous")
        #expect(selection.tokens(forAccountSid: nil) == ["current", "previous"])
        #expect(selection.tokens(forAccountSid: Self.acme) == ["current", "previous"])
    }

    @Test("an account with its own tokens gets only those, current first")
    func accountOnly() {
        let selection = TokenSelection(authToken: "main", authTokenPrevious: "main-old",
                                       accounts: [Self.acme: .init(current: "acme", previous: "acme-old")])
        #expect(selection.tokens(forAccountSid: Self.acme) == ["acme", "acme-old"])
        #expect(selection.tokens(forAccountSid: Self.other) == ["main", "main-old"])
        #expect(selection.tokens(forAccountSid: nil) == ["main", "main-old"])
    }

    @Test("the main token cannot sign for an account with its own token, nor the account's for another")
    func isolation() {
        let selection = TokenSelection(authToken: "main", authTokenPrevious: nil,
                                       accounts: [Self.acme: .init(current: "acme")])
        let url = "https://hooks.example.com/cb"
        let pairs = [FormPair("AccountSid", Self.acme), FormPair("Status", "draft")]
        let byMain = TwilioSignature.compute(url: url, pairs: pairs, token: "main")
        let byAcme = TwilioSignature.compute(url: url, pairs: pairs, token: "acme")
        func verdict(_ signature: String, _ account: String) -> SignatureVerdict {
            SignatureCheck.verify(signatureHeader: signature, url: url, kind: .form, rawBody: [],
                                  form: FormBody(pairs: pairs), tokens: selection.tokens(forAccountSid: account))
        }
        #expect(verdict(byAcme, Self.acme) == .valid)
        #expect(verdict(byMain, Self.acme) == .mismatch)
        #expect(verdict(byAcme, Self.other) == .mismatch)
        #expect(verdict(byMain, Self.other) == .valid)
    }

    @Test("an account with only a previous token gets that one")
    func accountPreviousOnly() {
        let selection = TokenSelection(authToken: "main", authTokenPrevious: nil,
                                       accounts: [Self.acme: .init(current: nil, previous: "acme-old")])
        #expect(selection.tokens(forAccountSid: Self.acme) == ["acme-old"])
    }

    @Test("an account whose tokens are empty falls back to the defaults")
    func emptyAccount() {
        let selection = TokenSelection(authToken: "main", authTokenPrevious: nil,
                                       accounts: [Self.acme: .init(current: "", previous: nil)])
        #expect(selection.tokens(forAccountSid: Self.acme) == ["main"])
    }

    @Test("nothing configured: no token, so every callback is refused")
    func nothing() {
        let selection = TokenSelection(authToken: nil, authTokenPrevious: "")
        #expect(selection.tokens(forAccountSid: nil).isEmpty)
        #expect(selection.tokens(forAccountSid: Self.acme).isEmpty)
    }

    @Test("a previous token equal to the current one is tried once")
    func duplicateToken() {
        let selection = TokenSelection(authToken: "same", authTokenPrevious: "same")
        #expect(selection.tokens(forAccountSid: nil) == ["same"])
    }

    @Test("the account's hex digits match in any case")
    func hexCase() {
        let upper = "AC" + String(repeating: "A", count: 32)
        let selection = TokenSelection(authToken: "main", authTokenPrevious: nil, accounts: [upper: .init(current: "acme")])
        #expect(selection.tokens(forAccountSid: Self.acme) == ["acme"])
        #expect(selection.tokens(forAccountSid: upper) == ["acme"])
    }

    @Test("with no account tokens configured, every account uses the default token")
    func noAccounts() {
        #expect(TokenSelection(authToken: "main", authTokenPrevious: nil, accounts: [:]).tokens(forAccountSid: Self.acme) == ["main"])
    }
}
