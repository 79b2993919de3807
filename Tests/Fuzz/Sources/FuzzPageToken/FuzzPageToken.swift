import FuzzSupport
@testable import StatushookCore

private let codec = PageTokenCodec(username: "history", password: "s3cret")
private let otherCodec = PageTokenCodec(username: "history", password: "s3cret2")
private let lists: [HistoryList] = [.profiles, .transitions, .deliveries]

/// `PageTokenCodec`: a page token arrives in a query string, from anyone who can reach the history API.
///
/// Only a token the codec wrote may decode, and it must decode to what was written.
func fuzzPageToken(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)

    // Arbitrary text: anything accepted is exactly the text its decoding encodes to.
    for list in lists {
        if let token = codec.decode(text, for: list) {
            require(codec.encode(token).utf8.elementsEqual(text.utf8), "decoded \(token) from a text that is not its encoding: \(text)")
            require(token.key.list == list, "a token of \(token.key.list) accepted for \(list)")
        }
    }

    // base64url: strict, canonical and the inverse of the writer.
    let base64 = PageTokenCodec.base64URL(bytes)
    require(PageTokenCodec.unbase64URL(Substring(base64)) == bytes || bytes.isEmpty, "base64url does not read back")
    if let decoded = PageTokenCodec.unbase64URL(Substring(text)) {
        require(PageTokenCodec.base64URL(decoded).utf8.elementsEqual(text.utf8), "a non-canonical base64url text accepted: \(text)")
    }

    // Tokens built from the input round-trip, for this list only, and never under another key.
    for token in tokens(from: bytes) {
        let encoded = codec.encode(token)
        require(encoded.utf8.count <= PageTokenCodec.maxLength, "a token longer than maxLength: \(encoded)")
        for list in lists {
            let decoded = codec.decode(encoded, for: list)
            require(decoded == (list == token.key.list ? token : nil), "\(token) decodes as \(String(describing: decoded)) for \(list)")
            require(otherCodec.decode(encoded, for: list) == nil, "a token passes under another key")
        }
        // Any one changed character makes it fail.
        var mutated = Array(encoded.utf8)
        let index = Int(bytes.first ?? 0) % mutated.count
        mutated[index] = mutated[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        require(codec.decode(String(decoding: mutated, as: UTF8.self), for: token.key.list) == nil, "a changed token passes")
    }
}

/// Valid keys of each list, derived from the input.
private func tokens(from bytes: [UInt8]) -> [PageToken] {
    var value: UInt64 = 0
    for byte in bytes.prefix(8) { value = value << 8 | UInt64(byte) }
    let id = Int64(value & 0x7FFF_FFFF_FFFF_FFFF) | 1
    let hex = Array("0123456789abcdefABCDEF".utf8)
    let sid = "BU" + String(decoding: (0..<32).map { hex[Int(bytes.isEmpty ? 0 : bytes[$0 % bytes.count]) % hex.count] }, as: UTF8.self)
    let digits = (0..<20).map { index -> Int in Int(bytes.isEmpty ? 0 : bytes[index % bytes.count]) }
    let occurredAt = String(format2(2000 + digits[0] % 100, 4)) + "-" + format2(1 + digits[1] % 12, 2) + "-" + format2(1 + digits[2] % 28, 2)
        + "T" + format2(digits[3] % 24, 2) + ":" + format2(digits[4] % 60, 2) + ":" + format2(digits[5] % 60, 2)
        + "." + format2(digits[6] * 3917 % 1_000_000, 6) + "Z"
    var keys: [PageToken.Key] = [.delivery(id: id), .profile(sid: sid), .transition(occurredAt: occurredAt, id: id)]
    keys = keys.filter { key in
        if case .transition(let at, _) = key { return HistoryDate.isStoredTimestamp(Substring(at)) }
        return true
    }
    let direction: PageToken.Direction = (bytes.last ?? 0) & 1 == 0 ? .after : .before
    return keys.map { PageToken(direction: direction, key: $0) }
}

private func format2(_ number: Int, _ width: Int) -> String {
    let text = String(number)
    return String(repeating: "0", count: max(0, width - text.count)) + text
}
