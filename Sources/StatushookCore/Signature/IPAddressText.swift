/// Numeric IP addresses from text, in pure Swift (the domain includes no C header).
enum IPAddressText {
    /// 4 bytes for dotted-quad IPv4 (no leading zeros, which some readers take for octal),
    /// 16 bytes for IPv6 (RFC 4291 text: `::` once, an optional trailing dotted quad); nil
    /// for anything else.
    static func parse(_ text: Substring) -> [UInt8]? {
        text.contains(":") ? parseIPv6(text) : parseIPv4(text)
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
    static func mappedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else {
            return nil
        }
        return Array(bytes[12...])
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDecimalDigit),
                  !(part.count > 1 && part.first == "0"),
                  let value = Int(part), value <= 255
            else { return nil }
            out.append(UInt8(value))
        }
        return out
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard let gap = text.firstRange(of: "::") else {
            guard let all = groups(text, allowIPv4Tail: true), all.count == 16 else { return nil }
            return all
        }
        let headText = text[..<gap.lowerBound]
        let tailText = text[gap.upperBound...]
        guard !tailText.contains("::"),
              let head = groups(headText, allowIPv4Tail: false),
              let tail = groups(tailText, allowIPv4Tail: true),
              head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// The bytes of colon-separated hex groups, the last of which may be a dotted quad.
    private static func groups(_ text: Substring, allowIPv4Tail: Bool) -> [UInt8]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var out: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains(".") {
                guard let v4 = parseIPv4(part) else { return nil }
                out += v4
                continue
            }
            guard (1...4).contains(part.count), part.allSatisfy(isASCIIHexDigit), let value = UInt16(part, radix: 16) else {
                return nil
            }
            out += [UInt8(value >> 8), UInt8(value & 0xFF)]
        }
        return out
    }

    private static func isDecimalDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }

    private static func isASCIIHexDigit(_ character: Character) -> Bool {
        character.isASCII && character.isHexDigit
    }
}
