/// One `key = value` line of a configuration file, key and value trimmed.
struct ConfigurationEntry: Equatable, Sendable {
    var key: String
    var value: String
    /// 1-based.
    var line: Int
}

/// Splits configuration text into entries: no sections, no quotes, no escapes.
///
/// `#` starts a comment only as the first character after optional blanks, so values (tokens,
/// passwords, URLs) may contain `#`; a value may contain `=` too, the first one separating.
enum ConfigurationLexer {
    struct Problem: Equatable, Sendable {
        var line: Int
        var message: String
    }

    static func read(_ text: String) -> (entries: [ConfigurationEntry], problems: [Problem]) {
        var entries: [ConfigurationEntry] = []
        var problems: [Problem] = []
        // "\r\n" is one Character in Swift, so both line ends are named here.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var line = rawLine
            if index == 0, line.first == "\u{FEFF}" { line = line.dropFirst() }
            let content = trimmed(line)
            if content.isEmpty || content.first == "#" { continue }
            guard let equals = content.firstIndex(of: "=") else {
                // The line is not quoted: it may be a secret pasted without its key.
                problems.append(Problem(line: number, message: "expected 'key = value'"))
                continue
            }
            let key = trimmed(content[..<equals])
            guard !key.isEmpty else {
                problems.append(Problem(line: number, message: "expected a key before '='"))
                continue
            }
            entries.append(ConfigurationEntry(key: String(key), value: String(trimmed(content[content.index(after: equals)...])), line: number))
        }
        return (entries, problems)
    }

    /// Without leading and trailing spaces and tabs.
    static func trimmed(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else {
            return text[text.endIndex...]
        }
        return text[first...last]
    }

    private static func isBlank(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\r"
    }
}
