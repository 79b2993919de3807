import Testing

@testable import SMTPClient

@Suite("Reading server replies")
struct SMTPReplyParserTests {
    private func replies(_ chunks: String...) throws -> [SMTPReply] {
        var parser = SMTPReplyParser()
        var out: [SMTPReply] = []
        for chunk in chunks {
            parser.feed(Array(chunk.utf8))
            while let reply = try parser.nextReply() { out.append(reply) }
        }
        return out
    }

    @Test("a one-line reply has its code and text")
    func singleLine() throws {
        #expect(try replies("220 mail.example.com ESMTP ready\r\n") == [SMTPReply(220, "mail.example.com ESMTP ready")])
    }

    @Test("a multi-line reply collects its 250- lines until the 250 line")
    func multiLine() throws {
        let parsed = try replies("250-mail.example.com\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000\r\n")
        #expect(parsed == [SMTPReply(code: 250, lines: ["mail.example.com", "STARTTLS", "AUTH PLAIN LOGIN", "SIZE 1000"])])
    }

    @Test("a reply split across reads at any byte is the same reply")
    func splitAnywhere() throws {
        let text = "250-first\r\n250 second\r\n354 go on\r\n"
        for cut in 1..<text.utf8.count {
            let bytes = Array(text.utf8)
            var parser = SMTPReplyParser()
            var out: [SMTPReply] = []
            parser.feed(bytes[..<cut])
            while let reply = try parser.nextReply() { out.append(reply) }
            parser.feed(bytes[cut...])
            while let reply = try parser.nextReply() { out.append(reply) }
            #expect(out == [SMTPReply(code: 250, lines: ["first", "second"]), SMTPReply(354, "go on")])
        }
    }

    @Test("a bare code and a bare LF line end are accepted")
    func lenientForms() throws {
        #expect(try replies("250\n") == [SMTPReply(code: 250, lines: [""])])
    }

    @Test("an incomplete reply is not returned and keeps the parser non-empty")
    func incomplete() throws {
        var parser = SMTPReplyParser()
        parser.feed(Array("250-one\r\n".utf8))
        #expect(try parser.nextReply() == nil)
        #expect(!parser.isEmpty)
    }

    @Test("malformed lines are protocol violations", arguments: [
        "HTTP/1.1 400 Bad Request\r\n", "25\r\n", "2500 x\r\n", "250_x\r\n", "099 x\r\n", "250-a\r\n251 b\r\n",
    ])
    func malformed(_ text: String) {
        let error = #expect(throws: SMTPError.self) { try replies(text) }
        #expect(error?.code == .protocolViolation)
    }

    @Test("a line longer than the limit is refused before it exhausts memory")
    func overlongLine() {
        let error = #expect(throws: SMTPError.self) {
            try replies("250 " + String(repeating: "x", count: SMTPReplyParser.maximumLineLength + 10))
        }
        #expect(error?.code == .protocolViolation)
    }

    @Test("control characters in reply text are dropped")
    func controlCharacters() throws {
        #expect(try replies("550 bad\u{1B}[31m user\r\n") == [SMTPReply(550, "bad[31m user")])
    }

    @Test("reply classes: 2yz and 3yz positive, 4yz transient, 5yz permanent")
    func classes() {
        #expect(SMTPReply(250, "").isPositiveCompletion)
        #expect(SMTPReply(354, "").isPositiveIntermediate)
        #expect(SMTPReply(451, "").isTransientFailure)
        #expect(SMTPReply(550, "").isPermanentFailure)
        #expect(SMTPError.reply(SMTPReply(451, "later"), to: "DATA").isTransient)
        #expect(!SMTPError.reply(SMTPReply(550, "no"), to: "DATA").isTransient)
    }
}
