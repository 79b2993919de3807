import Testing

@testable import SMTPClient

@Suite("SMTP dialogue: opening a session")
struct SMTPDialogueSessionTests {
    @Test("STARTTLS mode: greeting, EHLO, STARTTLS, handshake, EHLO again, ready")
    func startTLSPath() {
        var dialogue = SMTPDialogue.test()
        #expect(dialogue.reply(220, "mail.example.com ESMTP").line == "EHLO client.example.com")
        #expect(dialogue.reply(250, "mail.example.com", "PIPELINING", "STARTTLS").line == "STARTTLS")
        #expect(dialogue.reply(220, "ready to start TLS") == .startTLS)
        #expect(dialogue.tlsEstablished().line == "EHLO client.example.com")
        #expect(dialogue.isSecured)
        #expect(dialogue.reply(250, "mail.example.com", "SIZE 1000") == .ready)
        #expect(dialogue.capabilities.sizeLimit == 1000)
        #expect(!dialogue.capabilities.offersStartTLS)
    }

    @Test("STARTTLS required but not offered is a clear, permanent error")
    func startTLSNotOffered() throws {
        var dialogue = SMTPDialogue.test()
        _ = dialogue.reply(220, "hi")
        let error = try #require(dialogue.reply(250, "mail.example.com", "AUTH PLAIN").error)
        #expect(error.code == .startTLSUnavailable)
        #expect(!error.isTransient)
        #expect(error.message.contains("does not offer STARTTLS"))
        #expect(error.message.contains("mail.example.com:587"))
    }

    @Test("a STARTTLS refused with 454 is transient, with 501 permanent")
    func startTLSRefused() {
        for (code, transient) in [(454, true), (501, false)] {
            var dialogue = SMTPDialogue.test()
            _ = dialogue.reply(220, "hi")
            _ = dialogue.reply(250, "mail.example.com", "STARTTLS")
            let error = dialogue.reply(code, "TLS not available now").error
            #expect(error?.isTransient == transient)
            #expect(error?.replyCode == code)
        }
    }

    @Test("implicit TLS is secured from the start and never sends STARTTLS")
    func implicitTLS() {
        var dialogue = SMTPDialogue.test(tls: .implicit)
        #expect(dialogue.isSecured)
        #expect(dialogue.reply(220, "hi").line == "EHLO client.example.com")
        #expect(dialogue.reply(250, "mail.example.com", "STARTTLS") == .ready)
    }

    @Test("no TLS: ready after EHLO, even when STARTTLS is offered")
    func noTLS() {
        var dialogue = SMTPDialogue.test(tls: .none)
        _ = dialogue.reply(220, "hi")
        #expect(dialogue.reply(250, "mail.example.com", "STARTTLS") == .ready)
        #expect(!dialogue.isSecured)
    }

    @Test("a server that rejects EHLO gets HELO, then has no extensions")
    func heloFallback() {
        var dialogue = SMTPDialogue.test(tls: .none)
        _ = dialogue.reply(220, "old server")
        #expect(dialogue.reply(502, "command not implemented").line == "HELO client.example.com")
        #expect(dialogue.reply(250, "hello") == .ready)
        #expect(dialogue.capabilities == SMTPCapabilities())
    }

    @Test("HELO fallback in STARTTLS mode ends in the clear STARTTLS error")
    func heloFallbackWithStartTLS() {
        var dialogue = SMTPDialogue.test()
        _ = dialogue.reply(220, "old server")
        _ = dialogue.reply(500, "what?")
        #expect(dialogue.reply(250, "hello").error?.code == .startTLSUnavailable)
    }

    @Test("a greeting 421 is transient, 554 permanent, each with code and text")
    func greetingFailures() {
        for (code, transient) in [(421, true), (554, false)] {
            var dialogue = SMTPDialogue.test()
            let error = dialogue.reply(code, "no service for you")
            #expect(error.error?.isTransient == transient)
            #expect(error.error?.replyCode == code)
            #expect(error.error?.message.contains("no service for you") == true)
        }
    }

    @Test("EHLO answered 4yz is transient; a failing EHLO after TLS is not retried as HELO")
    func ehloFailures() {
        var first = SMTPDialogue.test()
        _ = first.reply(220, "hi")
        #expect(first.reply(451, "busy").error?.isTransient == true)
        var afterTLS = SMTPDialogue.test()
        _ = afterTLS.reply(220, "hi")
        _ = afterTLS.reply(250, "mail.example.com", "STARTTLS")
        _ = afterTLS.reply(220, "go")
        _ = afterTLS.tlsEstablished()
        #expect(afterTLS.reply(550, "no").error?.replyCode == 550)
    }

    @Test("an unexpected positive reply is a protocol violation")
    func unexpectedReply() {
        var dialogue = SMTPDialogue.test()
        _ = dialogue.reply(220, "hi")
        _ = dialogue.reply(250, "mail.example.com", "STARTTLS")
        #expect(dialogue.reply(334, "what").error?.code == .protocolViolation)
    }

    @Test("misuse is reported rather than sending out of turn")
    func misuse() {
        var dialogue = SMTPDialogue.test()
        #expect(dialogue.submit(.test()).error?.code == .protocolViolation)
        var other = SMTPDialogue.test()
        #expect(other.tlsEstablished().error?.code == .protocolViolation)
    }

    @Test("QUIT from a ready session, then close; before that, just close")
    func quit() {
        var dialogue = SMTPDialogue.test(tls: .none)
        _ = dialogue.establish()
        #expect(dialogue.quit().line == "QUIT")
        #expect(dialogue.reply(221, "bye") == .close)
        var early = SMTPDialogue.test()
        #expect(early.quit() == .close)
    }
}
