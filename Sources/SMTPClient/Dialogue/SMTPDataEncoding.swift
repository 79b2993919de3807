/// The transparency procedure of RFC 5321 §4.5.2 and the end-of-data marker.
enum SMTPDataEncoding {
    /// `message` ready to follow a `354`: every line break made CRLF (a bare CR or LF could
    /// otherwise be read as a line end by one server and not another: "SMTP smuggling"), a `.`
    /// doubled at the start of each line, and the final `CRLF.CRLF`.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64 + 5)
        for line in QuotedPrintable.lines(of: message) {
            if line.first == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out += line
            out += [0x0D, 0x0A]
        }
        out += Array(".\r\n".utf8)
        return out
    }
}
