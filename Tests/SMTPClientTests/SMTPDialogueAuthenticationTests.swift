import Foundation
import Testing

@testable import SMTPClient

@Suite("SMTP dialogue: authentication")
struct SMTPDialogueAuthenticationTests {
    @Test("AUTH PLAIN is preferred and sends the initial response; 235 makes the session ready")
    func plain() throws {
        var dialogue = SMTPDialogue.test(credentials: testCredentials)
        let action = dialogue.establish("STARTTLS", "AUTH LOGIN PLAIN")
        let line = try #require(action.line)
        #expect(line.hasPrefix("AUTH PLAIN "))
        let decoded = Data(base64Encoded: String(line.dropFirst(11)))
        #expect(decoded == Data([0] + Array("statushook".utf8) + [0] + Array("s3cr3t-Pa55".utf8)))
        #expect(dialogue.reply(235, "2.7.0 Authentication successful") == .ready)
    }

    @Test("AUTH LOGIN: user name and password each answer a 334")
    func login() {
        var dialogue = SMTPDialogue.test(credentials: testCredentials)
        #expect(dialogue.establish("STARTTLS", "AUTH LOGIN CRAM-MD5").line == "AUTH LOGIN")
        #expect(dialogue.reply(334, "VXNlcm5hbWU6").line == Data("statushook".utf8).base64EncodedString())
        #expect(dialogue.reply(334, "UGFzc3dvcmQ6").line == Data("s3cr3t-Pa55".utf8).base64EncodedString())
        #expect(dialogue.reply(235, "ok") == .ready)
    }

    @Test("the AUTH extension may be spelled in any case")
    func mechanismCase() {
        var dialogue = SMTPDialogue.test(credentials: testCredentials)
        #expect(dialogue.establish("STARTTLS", "auth login").line == "AUTH LOGIN")
    }

    @Test("no supported mechanism, or no AUTH at all, is a clear permanent error")
    func noMechanism() {
        var cram = SMTPDialogue.test(credentials: testCredentials)
        let error = cram.establish("STARTTLS", "AUTH CRAM-MD5 XOAUTH2").error
        #expect(error?.code == .authenticationUnavailable)
        #expect(error?.message.contains("CRAM-MD5") == true)
        #expect(error?.isTransient == false)
        var none = SMTPDialogue.test(credentials: testCredentials)
        #expect(none.establish("STARTTLS").error?.message.contains("does not offer AUTH") == true)
    }

    @Test("no credentials: no AUTH even when offered")
    func noCredentials() {
        var dialogue = SMTPDialogue.test()
        #expect(dialogue.establish("STARTTLS", "AUTH PLAIN") == .ready)
    }

    @Test("credentials over plaintext are refused unless allowed")
    func plaintextRefused() {
        var refused = SMTPDialogue.test(tls: .none, credentials: testCredentials)
        let error = refused.establish("AUTH PLAIN").error
        #expect(error?.code == .plaintextAuthRefused)
        #expect(error?.isTransient == false)
        var allowed = SMTPDialogue.test(tls: .none, credentials: testCredentials, allowPlaintextAuth: true)
        #expect(allowed.establish("AUTH PLAIN").line?.hasPrefix("AUTH PLAIN ") == true)
    }

    @Test("535 is permanent, 454 transient, at every AUTH step", arguments: [
        (0, 535, false), (0, 454, true), (1, 535, false), (2, 454, true), (3, 535, false),
    ])
    func authFailures(step: Int, code: Int, transient: Bool) {
        var dialogue = SMTPDialogue.test(credentials: testCredentials)
        var action: SMTPDialogue.Action
        if step == 0 {
            action = dialogue.establish("STARTTLS", "AUTH PLAIN")
        } else {
            action = dialogue.establish("STARTTLS", "AUTH LOGIN")
            for _ in 1..<step { action = dialogue.reply(334, "next") }
        }
        #expect(action.line != nil)
        let error = dialogue.reply(code, "authentication failed").error
        #expect(error?.isTransient == transient)
        #expect(error?.replyCode == code)
    }

    @Test("the password appears in no command description and no error")
    func passwordNeverShown() {
        var plain = SMTPDialogue.test(credentials: testCredentials)
        guard case .send(let command) = plain.establish("STARTTLS", "AUTH PLAIN") else {
            Issue.record("expected AUTH PLAIN")
            return
        }
        #expect(command.description == "AUTH PLAIN")
        let error = plain.reply(535, "bad credentials").error
        #expect(error?.description.contains("s3cr3t") == false)
        #expect(error?.message.contains("statushook") == true)

        var login = SMTPDialogue.test(credentials: testCredentials)
        _ = login.establish("STARTTLS", "AUTH LOGIN")
        _ = login.reply(334, "u")
        guard case .send(let password) = login.reply(334, "p") else {
            Issue.record("expected the password")
            return
        }
        #expect(password.description == "the AUTH LOGIN password")
        #expect(!"\(testCredentials)".contains("s3cr3t"))
    }
}
