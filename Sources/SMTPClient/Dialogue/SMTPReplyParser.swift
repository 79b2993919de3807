/// Cuts the bytes a server sends into replies (RFC 5321 §4.2: `250-…` continues, `250 …` ends).
///
/// Bounded: a line longer than `maximumLineLength` or a reply with more than
/// `maximumLines` lines is a protocol violation, so a hostile server cannot exhaust memory.
struct SMTPReplyParser: Sendable {
    static let maximumLineLength = 8192
    static let maximumLines = 512

    private var buffer: [UInt8] = []
    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// True when no byte is waiting: checked after the `220` to STARTTLS, as any plaintext byte
    /// after it would be an injection (RFC 3207 §5, CVE-2011-0411).
    var isEmpty: Bool { buffer.isEmpty && pendingCode == nil }

    mutating func feed(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    mutating func nextReply() throws(SMTPError) -> SMTPReply? {
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if let reply = try take(line) { return reply }
        }
        if buffer.count > Self.maximumLineLength {
            throw Self.violation("a reply line longer than \(Self.maximumLineLength) bytes")
        }
        return nil
    }

    private mutating func take(_ line: [UInt8]) throws(SMTPError) -> SMTPReply? {
        guard line.count >= 3, line.count <= Self.maximumLineLength,
            line[0...2].allSatisfy(\.isDigit),
            let code = Int(String(decoding: line[0...2], as: UTF8.self)), (100...599).contains(code)
        else {
            throw Self.violation("a malformed reply line: \(Self.printable(line))")
        }
        let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw Self.violation("a malformed reply line: \(Self.printable(line))")
        }
        if let pendingCode, pendingCode != code {
            throw Self.violation("a multi-line reply mixing codes \(pendingCode) and \(code)")
        }
        pendingCode = code
        pendingLines.append(line.count > 4 ? Self.printable(line[4...]) : "")
        if pendingLines.count > Self.maximumLines {
            throw Self.violation("a reply of more than \(Self.maximumLines) lines")
        }
        guard separator == UInt8(ascii: " ") else { return nil }
        let reply = SMTPReply(code: code, lines: pendingLines)
        pendingCode = nil
        pendingLines = []
        return reply
    }

    /// Server text as a String with control characters dropped, so it is safe in a log line.
    private static func printable(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.filter { $0 >= 0x20 && $0 != 0x7F }, as: UTF8.self)
    }

    private static func violation(_ what: String) -> SMTPError {
        SMTPError(.protocolViolation, transient: false, message: "the server sent \(what)")
    }
}

extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
