import Testing

@testable import SMTPClient

@Suite("Dot-stuffing and the end of the data")
struct SMTPDataEncodingTests {
    private func stuffed(_ text: String) -> String {
        String(decoding: SMTPDataEncoding.dotStuffed(Array(text.utf8)), as: UTF8.self)
    }

    @Test("a line that is just a dot is doubled, and the data ends with CRLF.CRLF")
    func loneDot() {
        #expect(stuffed("a\r\n.\r\nb\r\n") == "a\r\n..\r\nb\r\n.\r\n")
    }

    @Test("every line starting with a dot gets one more, other dots are untouched")
    func leadingDots() {
        #expect(stuffed(".a\r\n..b\r\nc.d\r\n") == "..a\r\n...b\r\nc.d\r\n.\r\n")
    }

    @Test("data not ending in CRLF gets one before the final dot")
    func missingFinalBreak() {
        #expect(stuffed("last line") == "last line\r\n.\r\n")
    }

    @Test("bare LF and bare CR become CRLF, so no server sees a different line end (SMTP smuggling)")
    func bareLineBreaks() {
        #expect(stuffed("a\n.\nb\r.\rc") == "a\r\n..\r\nb\r\n..\r\nc\r\n.\r\n")
    }
}
