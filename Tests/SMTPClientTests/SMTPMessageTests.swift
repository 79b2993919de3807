import Foundation
import Testing

@testable import SMTPClient

@Suite("SMTPMessage rendering")
struct SMTPMessageTests {
    @Test("a plain ASCII message renders to exactly the expected bytes")
    func goldenMessage() throws {
        let bytes = try SMTPMessage.fixture().rendered()
        let expected = """
            Date: Tue, 14 May 2024 09:05:00 +0000\r
            From: alerts@example.com\r
            To: ops@example.com\r
            Subject: Profile approved\r
            Message-ID: <id1@example.com>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Hello\r

            """
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("every line ends in CRLF, whatever line breaks the body used")
    func crlfEverywhere() throws {
        let bytes = try SMTPMessage.fixture(body: "one\ntwo\r\nthree\rfour").rendered()
        #expect(MessageDecoding.onlyCRLF(bytes))
        #expect(MessageDecoding.body(bytes) == "one\ntwo\nthree\nfour\n")
    }

    @Test("the Date header is RFC 5322 in UTC, with a one-digit day unpadded")
    func dateFormat() {
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 0)) == "Thu, 1 Jan 1970 00:00:00 +0000")
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 1_709_251_199)) == "Thu, 29 Feb 2024 23:59:59 +0000")
    }

    @Test("a non-ASCII subject becomes encoded-words that decode back", arguments: [
        "Profil approuvé: é",
        "プロファイル日本が承認されました",
        "Approved 🎉🚀 👩‍👩‍👧‍👦 done",
        String(repeating: "é日🎉", count: 40),
    ])
    func encodedSubject(_ subject: String) throws {
        let bytes = try SMTPMessage.fixture(subject: subject).rendered()
        let raw = try #require(MessageDecoding.header("Subject", in: bytes))
        #expect(raw.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(raw.contains("=?UTF-8?B?"))
        #expect(MessageDecoding.decodeWords(raw) == subject)
        for line in MessageDecoding.lines(bytes) { #expect(line.utf8.count <= 78) }
    }

    @Test("each encoded-word holds whole characters and is at most 75 characters")
    func encodedWordsHoldWholeCharacters() {
        let text = String(repeating: "日本🎉é", count: 30)
        let words = HeaderEncoding.encodedWords(text, firstLength: 60)
        #expect(words.count > 3)
        #expect(words[0].count <= 60)
        for word in words {
            #expect(word.count <= 75)
            let payload = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!
            #expect(String(data: payload, encoding: .utf8) != nil)
        }
    }

    @Test("a long ASCII subject folds at spaces, lines under 78, and unfolds to the original")
    func foldsLongSubject() throws {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let bytes = try SMTPMessage.fixture(subject: subject).rendered()
        let lines = MessageDecoding.lines(bytes)
        let subjectLines = lines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1)
        for line in subjectLines { #expect(line.utf8.count <= 78) }
        #expect(MessageDecoding.header("Subject", in: bytes) == " " + subject)
    }

    @Test("an ASCII word too long for one line is encoded rather than left over 78 characters")
    func longWordIsEncoded() throws {
        let subject = "sid " + String(repeating: "BU0123456789", count: 12)
        let bytes = try SMTPMessage.fixture(subject: subject).rendered()
        for line in MessageDecoding.lines(bytes) { #expect(line.utf8.count <= 78) }
        #expect(MessageDecoding.decodeWords(MessageDecoding.header("Subject", in: bytes)!) == subject)
    }

    @Test("ASCII text that looks like an encoded-word is encoded so readers do not decode it")
    func literalEncodedWordLookalike() throws {
        let bytes = try SMTPMessage.fixture(subject: "see =?UTF-8?B?w6k=?= here").rendered()
        let raw = MessageDecoding.header("Subject", in: bytes)!
        #expect(MessageDecoding.decodeWords(raw) == "see =?UTF-8?B?w6k=?= here")
    }

    @Test("display names: plain ones stay readable, others are encoded, addresses stay bare")
    func displayNames() throws {
        let message = SMTPMessage.fixture(
            from: SMTPMailbox("alerts@example.com", displayName: "Statushook Alerts"),
            to: [SMTPMailbox("a@example.com", displayName: "Zoë Ops"), SMTPMailbox("b@example.com"),
                 SMTPMailbox("c@example.com", displayName: "Doe, John \"JD\"")]
        )
        let bytes = try message.rendered()
        #expect(MessageDecoding.header("From", in: bytes) == " Statushook Alerts <alerts@example.com>")
        let to = MessageDecoding.header("To", in: bytes)!
        #expect(to.contains("<a@example.com>,"))
        #expect(to.contains(" b@example.com,"))
        #expect(to.hasSuffix("<c@example.com>"))
        #expect(!to.contains("\""))
        #expect(to.contains("=?UTF-8?B?"))
    }

    @Test("a message with many recipients folds the To header between addresses")
    func foldsRecipients() throws {
        let to = (1...12).map { SMTPMailbox("recipient\($0)@example.com") }
        let bytes = try SMTPMessage.fixture(to: to).rendered()
        for line in MessageDecoding.lines(bytes) { #expect(line.utf8.count <= 78) }
        let value = MessageDecoding.header("To", in: bytes)!
        #expect(value.split(separator: ",").count == 12)
    }

    @Test("no To header when the message has only envelope recipients")
    func noToHeader() throws {
        let bytes = try SMTPMessage.fixture(to: []).rendered()
        #expect(MessageDecoding.header("To", in: bytes) == nil)
    }

    @Test("threading headers carry the ids in angle brackets, given brackets or not")
    func threadingHeaders() throws {
        var message = SMTPMessage.fixture()
        message.inReplyTo = "<BU1@statushook>"
        message.references = ["BU1@statushook", "<t2@statushook>"]
        let bytes = try message.rendered()
        #expect(MessageDecoding.header("In-Reply-To", in: bytes) == " <BU1@statushook>")
        #expect(MessageDecoding.header("References", in: bytes) == " <BU1@statushook> <t2@statushook>")
    }

    @Test("a missing Message-ID is generated in the sender's domain")
    func generatedMessageID() {
        let message = SMTPMessage(from: SMTPMailbox("a@mail.example.com"), to: [], subject: "s", body: "b")
        #expect(message.messageID.hasSuffix("@mail.example.com"))
        #expect(SMTPMessage.randomMessageID(domain: "not an address").hasSuffix("@localhost"))
    }

    @Test("extra headers are added as unstructured text")
    func extraHeaders() throws {
        var message = SMTPMessage.fixture()
        message.extraHeaders = [.init("Auto-Submitted", "auto-generated"), .init("X-Profile", "Café BU12")]
        let bytes = try message.rendered()
        #expect(MessageDecoding.header("Auto-Submitted", in: bytes) == " auto-generated")
        #expect(MessageDecoding.decodeWords(MessageDecoding.header("X-Profile", in: bytes)!) == "Café BU12")
    }

    @Test("an extra header may not replace one the message writes, nor have a bad name",
          arguments: ["Subject", "bcc", "Content-Type", "X Bad", "X:Bad", "", "X-\u{e9}"])
    func refusedExtraHeader(_ name: String) {
        var message = SMTPMessage.fixture()
        message.extraHeaders = [.init(name, "v")]
        #expect(throws: SMTPError.self) { try message.rendered() }
    }

    @Test("an empty body is one empty line")
    func emptyBody() throws {
        let bytes = try SMTPMessage.fixture(body: "").rendered()
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("quoted-printable\r\n\r\n\r\n"))
    }

    @Test("a UTF-8 body decodes back from quoted-printable")
    func utf8Body() throws {
        let body = "Statut: approuvé ✅\nCodes: 18601\n日本語\n"
        let bytes = try SMTPMessage.fixture(body: body).rendered()
        #expect(bytes.allSatisfy { $0 < 0x80 })
        #expect(MessageDecoding.body(bytes) == body)
    }
}
