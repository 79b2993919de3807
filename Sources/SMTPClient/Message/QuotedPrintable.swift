/// Quoted-printable (RFC 2045 §6.7) for a UTF-8 text body: 7-bit output, CRLF line breaks,
/// no line over 76 characters.
enum QuotedPrintable {
    /// Room for content on one encoded line; the 76th character is the soft break `=`.
    static let contentLength = 75

    /// Encodes `text`, whose lines may end in CRLF, LF or a lone CR; each becomes one CRLF.
    /// The result always ends with CRLF.
    static func encode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        for line in lines(of: bytes) {
            var length = 0
            var index = line.startIndex
            while index < line.endIndex {
                let byte = line[index]
                let isLast = index == line.endIndex - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")) && !isLast)
                let size = literal ? 1 : 3
                if length + size > contentLength {
                    out.append(contentsOf: softBreak)
                    length = 0
                }
                if literal {
                    out.append(byte)
                } else {
                    out.append(UInt8(ascii: "="))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                }
                length += size
                index += 1
            }
            out.append(0x0D)
            out.append(0x0A)
        }
        return out
    }

    /// The lines of `bytes`; a final line break ends the last line rather than starting an
    /// empty one.
    static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                lines.append(bytes[start..<index])
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count || lines.isEmpty { lines.append(bytes[start...]) }
        return lines
    }

    private static let softBreak: [UInt8] = Array("=\r\n".utf8)
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
