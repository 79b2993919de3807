import Foundation

@testable import SMTPClient

/// Independent decoders, so tests check what a reader of the message would see.
enum MessageDecoding {
    /// The rendered message as text, split at CRLF (the last, empty element dropped).
    static func lines(_ bytes: [UInt8]) -> [String] {
        var lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Header name (lower-cased) to its unfolded raw value, in order.
    static func headers(_ bytes: [UInt8]) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for line in lines(bytes) {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                headers[headers.count - 1].value += line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((line[..<colon].lowercased(), String(line[line.index(after: colon)...])))
            }
        }
        return headers
    }

    static func header(_ name: String, in bytes: [UInt8]) -> String? {
        headers(bytes).first { $0.name == name.lowercased() }?.value
    }

    /// An unstructured value with RFC 2047 B-words decoded (whitespace between two encoded-words
    /// dropped, as RFC 2047 §6.2 says).
    static func decodeWords(_ value: String) -> String {
        var bytes: [UInt8] = []
        var pendingSpace: [UInt8] = []
        var lastWasEncoded = false
        for token in value.split(separator: " ", omittingEmptySubsequences: false) {
            if token.hasPrefix("=?UTF-8?B?") && token.hasSuffix("?=") {
                let payload = token.dropFirst(10).dropLast(2)
                if !lastWasEncoded { bytes += pendingSpace }
                bytes += Data(base64Encoded: String(payload)).map { Array($0) } ?? Array("<bad base64>".utf8)
                lastWasEncoded = true
            } else {
                bytes += pendingSpace
                bytes += Array(token.utf8)
                lastWasEncoded = false
            }
            pendingSpace = [UInt8(ascii: " ")]
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The body after the blank line, quoted-printable decoded, line breaks as `\n`.
    static func body(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let start = text.range(of: "\r\n\r\n") else { return "" }
        return decodeQuotedPrintable(Array(text[start.upperBound...].utf8))
    }

    static func decodeQuotedPrintable(_ encoded: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < encoded.count {
            let byte = encoded[index]
            if byte == UInt8(ascii: "="), index + 2 < encoded.count,
                encoded[index + 1] == 0x0D, encoded[index + 2] == 0x0A {
                index += 3
            } else if byte == UInt8(ascii: "="), index + 2 < encoded.count,
                let value = UInt8(String(decoding: encoded[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                out.append(value)
                index += 3
            } else if byte == 0x0D, index + 1 < encoded.count, encoded[index + 1] == 0x0A {
                out.append(UInt8(ascii: "\n"))
                index += 2
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when every line break is CRLF.
    static func onlyCRLF(_ bytes: [UInt8]) -> Bool {
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) { return false }
            if byte == 0x0D && (index + 1 == bytes.count || bytes[index + 1] != 0x0A) { return false }
        }
        return true
    }
}

extension SMTPMessage {
    /// A message with fixed date and id, for byte-exact expectations.
    static func fixture(
        subject: String = "Profile approved",
        body: String = "Hello\n",
        from: SMTPMailbox = SMTPMailbox("alerts@example.com"),
        to: [SMTPMailbox] = [SMTPMailbox("ops@example.com")]
    ) -> SMTPMessage {
        SMTPMessage(
            from: from, to: to, subject: subject, body: body,
            date: Date(timeIntervalSince1970: 1_715_677_500), messageID: "id1@example.com"
        )
    }
}
