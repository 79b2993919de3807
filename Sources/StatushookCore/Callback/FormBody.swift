/// An `application/x-www-form-urlencoded` body, decoded into byte pairs in body order.
public struct FormBody: Sendable, Equatable {
    public var pairs: [FormPair]
    /// A `%` not followed by two hex digits was kept literally.
    public var hasMalformedEscape: Bool

    public init(pairs: [FormPair], hasMalformedEscape: Bool = false) {
        self.pairs = pairs
        self.hasMalformedEscape = hasMalformedEscape
    }

    /// False if a malformed `%`-escape was kept literally or a name or value is not valid UTF-8.
    public var isWellFormed: Bool {
        !hasMalformedEscape && firstPairNotUTF8 == nil
    }

    /// The first pair whose name or value is not valid UTF-8.
    var firstPairNotUTF8: FormPair? {
        // ASCII (nearly every callback) is UTF-8: only other bytes need the full check.
        func valid(_ bytes: [UInt8]) -> Bool {
            bytes.allSatisfy { $0 < 0x80 } || String(validating: bytes, as: UTF8.self) != nil
        }
        return pairs.first { !valid($0.name) || !valid($0.value) }
    }

    /// Decodes the way Twilio's helper libraries' frameworks do (Python's `parse_qsl` with blank
    /// values kept): `&` separates, `+` is a space, `%XX` is a byte, a malformed `%` stays literal,
    /// empty segments are skipped, and a segment without `=` is a name with an empty value.
    public static func decode(_ body: [UInt8]) -> FormBody {
        var pairs: [FormPair] = []
        var malformed = false
        for segment in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>
            if let equals = segment.firstIndex(of: UInt8(ascii: "=")) {
                name = segment[segment.startIndex..<equals]
                value = segment[(equals + 1)...]
            } else {
                name = segment
                value = []
            }
            let decodedName = unescape(name, malformed: &malformed)
            let decodedValue = unescape(value, malformed: &malformed)
            pairs.append(FormPair(name: decodedName, value: decodedValue))
        }
        return FormBody(pairs: pairs, hasMalformedEscape: malformed)
    }

    /// The values of `name`, in body order.
    public func values(named name: String) -> [[UInt8]] {
        let key = Array(name.utf8)
        return pairs.filter { $0.name == key }.map(\.value)
    }

    /// The first value of `name`, if present.
    public func firstValue(named name: String) -> [UInt8]? {
        pairs.first { $0.name.elementsEqual(name.utf8) }?.value
    }

    private static func unescape(_ bytes: ArraySlice<UInt8>, malformed: inout Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                if bytes.endIndex - index >= 3,
                   let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                    out.append(high << 4 | low)
                    index += 3
                    continue
                }
                malformed = true
                out.append(byte)
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
