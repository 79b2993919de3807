/// Turns the header lines libcurl hands over, one call per line, into the final response's fields.
///
/// libcurl reports every header block it sees: an interim `100 Continue`, a proxy's `CONNECT`
/// reply, then the response itself. Each block starts with a status line, so one resets the list.
struct ResponseHeaderParser {
    private(set) var fields: [(String, String)] = []

    /// Consumes one raw line, CRLF included.
    mutating func consume(_ line: some Collection<UInt8>) {
        var bytes = Array(line)
        while let last = bytes.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: "\n") {
            bytes.removeLast()
        }
        if bytes.isEmpty {
            return
        }
        if bytes.starts(with: Array("HTTP/".utf8)) {
            fields.removeAll()
            return
        }
        if bytes[0] == UInt8(ascii: " ") || bytes[0] == UInt8(ascii: "\t") {
            // An obsolete folded line continues the previous field's value.
            if let previous = fields.popLast() {
                let continuation = Self.trimmed(bytes[...])
                fields.append((previous.0, previous.1 + " " + String(decoding: continuation, as: UTF8.self)))
            }
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            return
        }
        let name = String(decoding: Self.trimmed(bytes[..<colon]), as: UTF8.self)
        let value = String(decoding: Self.trimmed(bytes[(colon + 1)...]), as: UTF8.self)
        if !name.isEmpty {
            fields.append((name, value))
        }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            slice.removeFirst()
        }
        while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            slice.removeLast()
        }
        return slice
    }
}
