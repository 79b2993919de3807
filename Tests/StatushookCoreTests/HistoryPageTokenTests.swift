@testable import StatushookCore
import Testing

@Suite("History page tokens")
struct HistoryPageTokenTests {
    static let codec = PageTokenCodec(username: "reader", password: "secret")
    static let sid = "BU0123456789abcdef0123456789abcdef"

    static let tokens: [PageToken] = [
        PageToken(direction: .after, key: .profile(sid: sid)),
        PageToken(direction: .before, key: .profile(sid: sid)),
        PageToken(direction: .after, key: .transition(occurredAt: "2026-11-22T10:00:00.123456Z", id: 42)),
        PageToken(direction: .before, key: .transition(occurredAt: "2026-11-22T10:00:00.000000Z", id: 9_000_000_000)),
        PageToken(direction: .after, key: .delivery(id: 7)),
    ]

    @Test("a token decodes to what was encoded, for its own list", arguments: tokens)
    func roundTrip(token: PageToken) {
        let text = Self.codec.encode(token)
        #expect(text.hasPrefix(token.direction == .after ? "PA" : "PB"))
        #expect(text.utf8.count <= PageTokenCodec.maxLength)
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(Self.codec.decode(text, for: token.key.list) == token)
    }

    @Test("a token of one list is refused by the others", arguments: tokens)
    func otherList(token: PageToken) {
        let text = Self.codec.encode(token)
        for list in [HistoryList.profiles, .transitions, .deliveries] where list != token.key.list {
            #expect(Self.codec.decode(text, for: list) == nil)
        }
    }

    @Test("changing any one character of a token makes it invalid")
    func everyCharacter() {
        for token in Self.tokens {
            let text = Array(Self.codec.encode(token))
            for index in text.indices {
                for replacement in ["A", "b", "-", "_", "9"] where String(text[index]) != replacement {
                    var tampered = text
                    tampered[index] = Character(replacement)
                    #expect(Self.codec.decode(String(tampered), for: token.key.list) == nil, "\(String(tampered))")
                }
            }
        }
    }

    @Test("a token cut short, lengthened, re-padded or turned around is invalid")
    func reshaped() {
        let token = Self.tokens[2]
        let text = Self.codec.encode(token)
        let flipped = (text.hasPrefix("PA") ? "PB" : "PA") + text.dropFirst(2)
        for bad in [String(text.dropLast()), text + "A", text + "=", text + "==", flipped, "PA", "", "XX" + text.dropFirst(2),
                    String(text.dropFirst(2)), text.replacingOccurrences(of: "-", with: "+")] where bad != text {
            #expect(Self.codec.decode(bad, for: .transitions) == nil, "\(bad)")
        }
        #expect(Self.codec.decode("PA" + String(repeating: "A", count: 400), for: .transitions) == nil)
    }

    @Test("another configuration's credentials do not accept the token")
    func otherKey() {
        let other = PageTokenCodec(username: "reader", password: "other")
        for token in Self.tokens {
            #expect(other.decode(Self.codec.encode(token), for: token.key.list) == nil)
        }
        #expect(PageTokenCodec(username: "reader", password: "secret").decode(Self.codec.encode(Self.tokens[0]), for: .profiles) != nil)
    }

    @Test("base64url is strict: URL alphabet, no padding, canonical bytes only")
    func base64URL() {
        #expect(PageTokenCodec.base64URL([0xFB, 0xFF]) == "-_8")
        #expect(PageTokenCodec.unbase64URL("-_8") == [0xFB, 0xFF])
        #expect(PageTokenCodec.unbase64URL("-_9") == nil)  // non-zero trailing bits
        #expect(PageTokenCodec.unbase64URL("+/8") == nil)
        #expect(PageTokenCodec.unbase64URL("-_8=") == nil)
        #expect(PageTokenCodec.unbase64URL("A") == nil)
        #expect(PageTokenCodec.unbase64URL("") == nil)
    }
}
