/// A line (or the message data) the dialogue wants written, with a description safe to log.
public struct SMTPCommand: Sendable, Equatable, CustomStringConvertible {
    /// The exact bytes to write, CRLF included.
    public var bytes: [UInt8]
    /// What the command is, for errors and logs: `MAIL FROM:<a@b>`, `AUTH PLAIN`, never a
    /// credential.
    public var description: String

    init(line: String, description: String? = nil) {
        self.bytes = Array((line + "\r\n").utf8)
        self.description = description ?? line
    }

    init(data: [UInt8]) {
        self.bytes = data
        self.description = "the message data"
    }
}
