import Testing

@testable import SMTPClient

@Suite("Quoted-printable body")
struct QuotedPrintableTests {
    private func encoded(_ text: String) -> String {
        String(decoding: QuotedPrintable.encode(text), as: UTF8.self)
    }

    @Test("printable ASCII passes through and each line ends in CRLF")
    func asciiPassesThrough() {
        #expect(encoded("Status: twilio-approved\nSID BU1") == "Status: twilio-approved\r\nSID BU1\r\n")
    }

    @Test("'=' and non-ASCII bytes are escaped as uppercase hex of their UTF-8 bytes")
    func escapes() {
        #expect(encoded("a=b é") == "a=3Db =C3=A9\r\n")
    }

    @Test("a space or tab ending a line is escaped so transports cannot strip it")
    func trailingWhitespace() {
        #expect(encoded("end \nTab\t") == "end=20\r\nTab=09\r\n")
    }

    @Test("control characters, NUL included, are escaped")
    func controls() {
        #expect(encoded("a\u{0}b\u{7}c\u{7F}") == "a=00b=07c=7F\r\n")
    }

    @Test("a long line gets soft breaks: no line over 76, and it decodes back", arguments: [
        String(repeating: "abcdefghij", count: 30),
        String(repeating: "é", count: 100),
        String(repeating: "x", count: 74) + "é" + String(repeating: "y", count: 80),
        String(repeating: "word ", count: 60),
    ])
    func softBreaks(_ line: String) {
        let bytes = QuotedPrintable.encode(line)
        for encodedLine in MessageDecoding.lines(bytes) {
            #expect(encodedLine.utf8.count <= 76)
            // A soft break never splits an =XX escape.
            #expect(!encodedLine.dropLast().hasSuffix("="))
        }
        #expect(MessageDecoding.decodeQuotedPrintable(bytes) == line + "\n")
    }

    @Test("a line that is just a dot, or starts with one, is left for the transport to dot-stuff")
    func dotsUntouched() {
        #expect(encoded(".\n.hidden\nend") == ".\r\n.hidden\r\nend\r\n")
    }

    @Test("CRLF, LF and a lone CR all become one CRLF; a final break adds no empty line")
    func lineBreaks() {
        #expect(encoded("a\r\nb\nc\rd\n") == "a\r\nb\r\nc\r\nd\r\n")
        #expect(encoded("a\n\nb") == "a\r\n\r\nb\r\n")
        #expect(encoded("") == "\r\n")
    }
}
