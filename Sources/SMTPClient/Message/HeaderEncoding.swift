import Foundation

/// RFC 5322 header lines that stay inert whatever the value holds: control characters become
/// spaces, non-ASCII text becomes RFC 2047 encoded-words, and lines fold at 78 characters.
enum HeaderEncoding {
    /// RFC 5322's recommended line length (the hard limit is 998).
    static let lineLength = 78
    /// RFC 2047's limit on one encoded-word.
    static let encodedWordLength = 75

    /// `value` on one line of printable text: every run of control characters, line separators
    /// and whitespace becomes a single space, so no CR, LF or NUL survives.
    static func sanitized(_ value: String) -> String {
        if isOneLineOfPrintableASCII(value) { return value }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        return String(out)
    }

    /// Printable ASCII words separated by single spaces, none at either end: what `sanitized`
    /// leaves as it is (most values), told by one pass over the bytes.
    private static func isOneLineOfPrintableASCII(_ value: String) -> Bool {
        var afterSpace = true
        for byte in value.utf8 {
            if byte == 0x20 {
                if afterSpace { return false }
                afterSpace = true
            } else if byte < 0x21 || byte > 0x7E {
                return false
            } else {
                afterSpace = false
            }
        }
        return !afterSpace
    }

    /// Whether `text` holds `=?`, the start of an encoded-word, which plain text must not.
    static func containsEncodedWordStart(_ text: String) -> Bool {
        zip(text.utf8, text.utf8.dropFirst()).contains { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }
    }

    /// An unstructured header (Subject, extra headers): plain words when the value is ASCII
    /// and every word fits on a line, encoded-words otherwise.
    static func unstructured(_ name: String, _ value: String) -> String {
        let text = sanitized(value)
        let words = text.split(separator: " ").map(String.init)
        let firstLine = lineLength - name.utf8.count - 2
        let plain = text.utf8.allSatisfy { $0 < 0x80 } && !containsEncodedWordStart(text)
            && words.allSatisfy { $0.utf8.count <= firstLine }
        return fold(name, plain ? words : encodedWords(text, firstLength: firstLine))
    }

    /// A display name: atoms when it is plain ASCII, encoded-words otherwise (which also
    /// spares quoting the specials `"(),.:;<>@[\]`).
    static func phrase(_ name: String) -> [String] {
        let text = sanitized(name)
        let atext = "!#$%&'*+-/=?^_`{|}~ "
        let plain = !containsEncodedWordStart(text) && text.unicodeScalars.allSatisfy {
            $0.isASCIILetterOrDigit || atext.unicodeScalars.contains($0)
        }
        return plain ? text.split(separator: " ").map(String.init) : encodedWords(text)
    }

    /// `=?UTF-8?B?…?=` words for `text`, each at most `encodedWordLength` characters (the
    /// first at most `firstLength`), each holding whole characters.
    static func encodedWords(_ text: String, firstLength: Int = encodedWordLength) -> [String] {
        // 12 characters of `=?UTF-8?B??=` around base64, 4 characters per 3 bytes.
        func capacity(_ length: Int) -> Int { max(1, (min(length, encodedWordLength) - 12) / 4) * 3 }
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = capacity(firstLength)
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk = []
            limit = capacity(encodedWordLength)
        }
        for character in text {
            let bytes = Array(character.utf8)
            if chunk.count + bytes.count <= limit {
                chunk += bytes
            } else if bytes.count <= capacity(encodedWordLength) {
                flush()
                chunk = bytes
            } else {
                // A huge grapheme (a long combining sequence): split between its scalars.
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if chunk.count + scalarBytes.count > limit { flush() }
                    chunk += scalarBytes
                }
            }
        }
        flush()
        return words
    }

    /// `Name: token token…` with a fold (CRLF and a space) before any token that would take
    /// the line past 78 characters. Callers keep each token under 998 characters.
    static func fold(_ name: String, _ tokens: [String]) -> String {
        var out = name + ":"
        var length = out.utf8.count
        for token in tokens {
            let size = token.utf8.count
            if length + 1 + size > lineLength {
                out += "\r\n"
                length = 0
            }
            out += " " + token
            length += 1 + size
        }
        return out + "\r\n"
    }
}
