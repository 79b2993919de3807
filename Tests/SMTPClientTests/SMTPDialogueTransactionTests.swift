import Testing

@testable import SMTPClient

@Suite("SMTP dialogue: sending messages")
struct SMTPDialogueTransactionTests {
    private func ready() -> SMTPDialogue {
        var dialogue = SMTPDialogue.test(tls: .none)
        _ = dialogue.establish("SIZE 100000")
        return dialogue
    }

    @Test("MAIL, one RCPT per recipient, DATA, the dot-stuffed message, delivered")
    func happyPath() {
        var dialogue = ready()
        let transaction = SMTPDialogue.Transaction.test(
            recipients: ["a@example.com", "b@example.com"], message: "Subject: x\r\n\r\n.hidden\r\n")
        #expect(dialogue.submit(transaction).line == "MAIL FROM:<alerts@example.com>")
        #expect(dialogue.reply(250, "ok").line == "RCPT TO:<a@example.com>")
        #expect(dialogue.reply(250, "ok").line == "RCPT TO:<b@example.com>")
        #expect(dialogue.reply(250, "ok").line == "DATA")
        #expect(dialogue.reply(354, "go ahead").line == "Subject: x\r\n\r\n..hidden\r\n.")
        let done = dialogue.reply(250, "2.0.0 queued as ABC")
        #expect(done == .delivered(SMTPDeliveryReport(
            accepted: ["a@example.com", "b@example.com"], refused: [], finalReply: SMTPReply(250, "2.0.0 queued as ABC"))))
        #expect(dialogue.deliveredCount == 1)
    }

    @Test("the next message on the same session starts with RSET")
    func resetOnReuse() {
        var dialogue = ready()
        _ = dialogue.submit(.test())
        for code in [250, 250, 354, 250] { _ = dialogue.reply(code, "ok") }
        #expect(dialogue.submit(.test()).line == "RSET")
        #expect(dialogue.isProbingReusedSession)
        #expect(dialogue.reply(250, "flushed").line == "MAIL FROM:<alerts@example.com>")
        #expect(!dialogue.isProbingReusedSession)
    }

    @Test("a 421 to RSET ends the session but still counts as the reuse probe, so a retry is safe")
    func resetFails() {
        var dialogue = ready()
        _ = dialogue.submit(.test())
        for code in [250, 250, 354, 250] { _ = dialogue.reply(code, "ok") }
        _ = dialogue.submit(.test())
        #expect(dialogue.reply(421, "closing idle connection").error?.isTransient == true)
        #expect(dialogue.isProbingReusedSession)
    }

    @Test("the first transaction of a session is never a probe")
    func firstTransactionIsNoProbe() {
        var dialogue = ready()
        _ = dialogue.submit(.test())
        #expect(!dialogue.isProbingReusedSession)
        #expect(dialogue.reply(421, "closing").error != nil)
        #expect(!dialogue.isProbingReusedSession)
    }

    @Test("4yz is transient and 5yz permanent at MAIL, DATA and the end of the data", arguments: [
        ([], 451), ([], 550), ([250, 250], 451), ([250, 250], 554), ([250, 250, 354], 452), ([250, 250, 354], 552),
    ])
    func failuresAtEachStep(before: [Int], code: Int) {
        var dialogue = ready()
        _ = dialogue.submit(.test())
        for earlier in before { _ = dialogue.reply(earlier, "ok") }
        let error = dialogue.reply(code, "scripted").error
        #expect(error?.replyCode == code)
        #expect(error?.isTransient == (code < 500))
        #expect(error?.code == .rejected)
    }

    @Test("some recipients refused: the message goes to the others and the report lists the refused")
    func partialRecipients() {
        var dialogue = ready()
        _ = dialogue.submit(.test(recipients: ["a@example.com", "bad@example.com", "c@example.com"]))
        _ = dialogue.reply(250, "ok")
        _ = dialogue.reply(250, "ok")
        _ = dialogue.reply(550, "5.1.1 no such user")
        #expect(dialogue.reply(250, "ok").line == "DATA")
        _ = dialogue.reply(354, "go")
        guard case .delivered(let report) = dialogue.reply(250, "queued") else {
            Issue.record("expected delivery")
            return
        }
        #expect(report.accepted == ["a@example.com", "c@example.com"])
        #expect(report.refused.map(\.recipient) == ["bad@example.com"])
        #expect(report.refused.first?.isTransient == false)
    }

    @Test("every recipient refused: permanent if all 5yz, transient if any 4yz")
    func allRefused() {
        for (codes, transient) in [([550, 553], false), ([550, 450], true)] {
            var dialogue = ready()
            _ = dialogue.submit(.test(recipients: ["a@example.com", "b@example.com"]))
            _ = dialogue.reply(250, "ok")
            _ = dialogue.reply(codes[0], "no")
            let error = dialogue.reply(codes[1], "no").error
            #expect(error?.isTransient == transient)
            #expect(error?.replyCode == codes[0])
            #expect(error?.message.contains("RCPT TO:<b@example.com>") == true)
        }
    }

    @Test("a 421 to RCPT ends the session instead of counting as a refusal")
    func closingDuringRecipients() {
        var dialogue = ready()
        _ = dialogue.submit(.test(recipients: ["a@example.com", "b@example.com"]))
        _ = dialogue.reply(250, "ok")
        #expect(dialogue.reply(421, "shutting down").error?.isTransient == true)
    }

    @Test("DATA answered 250 instead of 354 is a protocol violation")
    func dataWithoutIntermediate() {
        var dialogue = ready()
        _ = dialogue.submit(.test())
        _ = dialogue.reply(250, "ok")
        _ = dialogue.reply(250, "ok")
        #expect(dialogue.reply(250, "ok").error?.code == .protocolViolation)
    }

    @Test("an invalid envelope fails before any command is sent", arguments: [
        SMTPEnvelope(from: "a@example.com\r\nRSET", recipients: ["b@example.com"]),
        SMTPEnvelope(from: "a@example.com", recipients: ["b@example.com>\r\nDATA"]),
        SMTPEnvelope(from: "a@example.com", recipients: []),
    ])
    func invalidEnvelope(_ envelope: SMTPEnvelope) {
        var dialogue = ready()
        let error = dialogue.submit(.init(envelope: envelope, message: [])).error
        #expect(error?.code == .invalidAddress)
        #expect(error?.isTransient == false)
    }

    @Test("a message over the advertised SIZE is refused permanently before MAIL")
    func sizeLimit() {
        var dialogue = ready()
        let big = SMTPDialogue.Transaction.test(message: String(repeating: "x", count: 100_001))
        let error = dialogue.submit(big).error
        #expect(error?.code == .messageTooLarge)
        #expect(error?.isTransient == false)
    }
}
