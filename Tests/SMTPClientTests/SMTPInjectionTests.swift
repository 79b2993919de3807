import Testing

@testable import SMTPClient

@Suite("No value injects a header or an SMTP command")
struct SMTPInjectionTests {
    @Test("a subject with CRLF and a Bcc stays one Subject header", arguments: [
        "Approved\r\nBcc: victim@example.com",
        "Approved\nBcc: victim@example.com",
        "Approved\rBcc: victim@example.com",
        "Approved\u{0}\r\n\r\nbody injection",
        "Approved\u{2028}Bcc: victim@example.com",
        "Apprové\r\nBcc: victim@example.com",
    ])
    func subjectInjection(_ subject: String) throws {
        let bytes = try SMTPMessage.fixture(subject: subject).rendered()
        let lines = MessageDecoding.lines(bytes)
        #expect(!lines.contains { $0.lowercased().hasPrefix("bcc") })
        #expect(MessageDecoding.headers(bytes).map(\.name) == [
            "date", "from", "to", "subject", "message-id", "mime-version", "content-type",
            "content-transfer-encoding",
        ])
        #expect(!bytes.contains(0))
        #expect(MessageDecoding.onlyCRLF(bytes))
        let decoded = MessageDecoding.decodeWords(MessageDecoding.header("Subject", in: bytes)!)
        #expect(!decoded.contains("\r") && !decoded.contains("\n"))
    }

    @Test("a display name or extra header value with CRLF cannot add a header")
    func otherValues() throws {
        var message = SMTPMessage.fixture(
            from: SMTPMailbox("alerts@example.com", displayName: "Alerts\r\nBcc: victim@example.com"))
        message.extraHeaders = [.init("X-Reason", "bad\r\nBcc: victim@example.com\r\n")]
        let bytes = try message.rendered()
        #expect(!MessageDecoding.lines(bytes).contains { $0.lowercased().hasPrefix("bcc") })
        #expect(MessageDecoding.headers(bytes).count == 9)
    }

    @Test("a body with an end-of-data line and commands reaches the server as text", arguments: [
        "reason\r\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\n",
        "reason\n.\nQUIT\n",
        "reason\n.\r\nRSET",
        "reason\r.\rQUIT",
    ])
    func bodyCannotEndTheData(_ body: String) throws {
        let data = SMTPDataEncoding.dotStuffed(try SMTPMessage.fixture(body: body).rendered())
        let lines = MessageDecoding.lines(data)
        // The only line that is a lone dot is the final terminator.
        #expect(lines.filter { $0 == "." }.count == 1)
        #expect(lines.last == ".")
        #expect(MessageDecoding.onlyCRLF(data))
    }

    @Test("an address that could break out of <…> or a header is refused", arguments: [
        "victim@example.com>\r\nRCPT TO:<other@example.com",
        "a@example.com\r\n", "a@example.com\n", "a\u{0}@example.com",
        "a b@example.com", "a@example.com,b@example.com", "<a@example.com>",
        "a@b@example.com", "example.com", "@example.com", "a@", "a@-x.com", "a@x..com",
        "zoë@example.com", "a\"q@example.com", "a;b@example.com", ".a@example.com", "",
        String(repeating: "a", count: 250) + "@example.com",
    ])
    func refusedAddress(_ address: String) {
        #expect(throws: SMTPError.self) { try SMTPAddress.validate(address, role: "test") }
        let message = SMTPMessage.fixture(to: [SMTPMailbox(address)])
        let error = #expect(throws: SMTPError.self) { try message.rendered() }
        #expect(error?.code == .invalidAddress)
        #expect(error?.isTransient == false)
    }

    @Test("ordinary addresses are accepted", arguments: [
        "ops@example.com", "first.last+tag@mail.example.co.uk", "x_y-z@localhost", "a!#$%&'*/=?^`{|}~@example.com",
    ])
    func acceptedAddress(_ address: String) throws {
        try SMTPAddress.validate(address, role: "test")
    }

    @Test("a Message-ID with whitespace, brackets or line breaks is refused", arguments: [
        "a b@example.com", "a@example.com>\r\nBcc: x", "no-at", "a@b@c", "<>", "@x", "x@",
    ])
    func refusedMessageID(_ id: String) {
        var message = SMTPMessage.fixture()
        message.inReplyTo = id
        #expect(throws: SMTPError.self) { try message.rendered() }
    }

    @Test("an EHLO name with spaces or line breaks is refused", arguments: [
        "my host", "host\r\nMAIL FROM:<a@b>", "", "[1.2.3.4", "host_name",
    ])
    func refusedHello(_ name: String) {
        #expect(throws: SMTPError.self) { try SMTPAddress.validateHello(name) }
    }

    @Test("host names and address literals are fine EHLO names", arguments: [
        "localhost", "mail.example.com", "[192.0.2.1]", "[IPv6:2001:db8::1]",
    ])
    func acceptedHello(_ name: String) throws {
        try SMTPAddress.validateHello(name)
    }
}
