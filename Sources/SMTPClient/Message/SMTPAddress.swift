/// The checks that keep every address, Message-ID and EHLO name a single inert token, so that
/// none of them can end a command line or a header and start another.
enum SMTPAddress {
    /// RFC 5321's limit on a path; longer addresses are refused by servers anyway.
    static let maximumLength = 254

    /// Characters never allowed in an address: they would need quoting in a header or could
    /// end the address inside `<…>` (and `,` separates addresses in `To`).
    private static func isForbidden(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "\\"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"),
             UInt8(ascii: "\""):
            true
        default:
            false
        }
    }

    /// Checks a bare address `local@domain`: one `@`, printable ASCII without whitespace,
    /// brackets or commas, a domain of letters, digits, `-` and dots.
    static func validate(_ address: String, role: String) throws(SMTPError) {
        func refuse(_ why: String) -> SMTPError {
            .invalidAddress("the \(role) address \(quoted(address)) \(why)")
        }
        if address.isEmpty { throw refuse("is empty") }
        if address.utf8.count > maximumLength { throw refuse("is longer than \(maximumLength) bytes") }
        // By bytes: a non-ASCII character's UTF-8 bytes are all above 0x7E.
        var at: String.Index?
        var ats = 0
        for index in address.utf8.indices {
            let byte = address.utf8[index]
            if byte < 0x21 || byte > 0x7E {
                throw refuse("contains whitespace, a control or a non-ASCII character")
            }
            if isForbidden(byte) { throw refuse("contains \"\(Unicode.Scalar(byte))\"") }
            if byte == UInt8(ascii: "@") {
                ats += 1
                at = index
            }
        }
        guard ats == 1, let at else { throw refuse("must contain exactly one @") }
        let local = address[..<at], domain = address[address.utf8.index(after: at)...]
        if local.isEmpty { throw refuse("has nothing before the @") }
        if local.first == "." || local.last == "." || zip(local.utf8, local.utf8.dropFirst()).contains(where: { $0 == 0x2E && $1 == 0x2E }) {
            throw refuse("has a misplaced dot before the @")
        }
        guard isDomain(domain) else { throw refuse("does not end in a valid domain") }
    }

    /// A host name: dot-separated labels of letters, digits and inner hyphens.
    static func isDomain(_ domain: Substring) -> Bool {
        let bytes = domain.utf8
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        var labelLength = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                // An empty label, or one ending in a hyphen.
                if labelLength == 0 || previous == UInt8(ascii: "-") { return false }
                labelLength = 0
            } else {
                let letterOrDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                guard letterOrDigit || byte == UInt8(ascii: "-") else { return false }
                if labelLength == 0 && byte == UInt8(ascii: "-") { return false }
                labelLength += 1
                if labelLength > 63 { return false }
            }
            previous = byte
        }
        return labelLength > 0 && previous != UInt8(ascii: "-")
    }

    /// Checks a Message-ID without its angle brackets: `left@right`, printable ASCII, no
    /// whitespace or brackets.
    static func validateMessageID(_ id: String, header: String) throws(SMTPError) {
        let bytes = id.utf8
        let valid = bytes.count <= 250 && bytes.count(where: { $0 == UInt8(ascii: "@") }) == 1
            && bytes.first != UInt8(ascii: "@") && bytes.last != UInt8(ascii: "@")
            && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && !isForbidden($0) }
        if !valid {
            throw .invalidMessage("\(header) \(quoted(id)) is not a message id of the form left@right")
        }
    }

    /// Checks the `EHLO` argument: a domain or an address literal such as `[192.0.2.1]`.
    static func validateHello(_ name: String) throws(SMTPError) {
        let literal = name.hasPrefix("[") && name.hasSuffix("]") && name.count > 2
            && name.dropFirst().dropLast().unicodeScalars.allSatisfy {
                $0.isASCIILetterOrDigit || $0 == "." || $0 == ":"
            }
        if !(literal || isDomain(Substring(name))) {
            throw .invalidMessage("the EHLO name \(quoted(name)) is neither a host name nor an address literal")
        }
    }

    /// A value quoted for an error message, with control characters made visible.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars.prefix(300) {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\"": out += "\\\""
            default: out += scalar.value < 0x20 || scalar.value == 0x7F
                ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }
        return out + "\""
    }
}

extension Unicode.Scalar {
    var isASCIILetterOrDigit: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
