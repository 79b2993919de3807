/// One server reply: a three-digit code and its text lines (a multi-line reply has several).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    /// The text after the code on each line, without the separator and the CRLF.
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public init(_ code: Int, _ text: String) {
        self.init(code: code, lines: [text])
    }

    /// 2yz: done.
    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    /// 3yz: go on (354 after DATA, 334 during AUTH).
    public var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    /// 4yz: refused for now.
    public var isTransientFailure: Bool { (400..<500).contains(code) }
    /// 5yz: refused for good.
    public var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// `550 no such user` (lines joined by spaces), short enough for a log line.
    public var description: String {
        let text = lines.joined(separator: " ").trimmingSpaces()
        let shown = text.count > 400 ? String(text.prefix(400)) + "…" : text
        return shown.isEmpty ? "\(code)" : "\(code) \(shown)"
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
