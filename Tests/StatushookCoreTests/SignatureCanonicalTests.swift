import Foundation
import Hashing
import Testing
@testable import StatushookCore

@Suite("Signature: the canonical bytes")
struct SignatureCanonicalTests {
    private func canonical(_ url: String, _ pairs: [FormPair]) -> String {
        String(decoding: TwilioSignature.canonicalBytes(url: url, pairs: pairs), as: UTF8.self)
    }

    @Test("without parameters the canonical bytes are the URL alone")
    func urlAlone() {
        #expect(canonical("https://example.com/cb?a=1", []) == "https://example.com/cb?a=1")
    }

    @Test("names sort by UTF-8 bytes: uppercase before '_' before lowercase before non-ASCII")
    func byteOrder() {
        let pairs = [FormPair("é", "5"), FormPair("a", "4"), FormPair("_", "3"), FormPair("Z", "2"), FormPair("B", "1")]
        #expect(canonical("u", pairs) == "uB1Z2_3a4é5")
    }

    @Test("byte order is not Swift String order: precomposed and decomposed é are two names")
    func notStringOrder() {
        // Swift's String calls these equal; as bytes they differ: "e\u{301}" = 65 CC 81, "\u{E9}" = C3 A9.
        #expect("e\u{301}" == "\u{E9}")
        let pairs = [FormPair("\u{E9}", "1"), FormPair("e\u{301}", "2")]
        #expect(TwilioSignature.canonicalBytes(url: "", pairs: pairs) == Array("e\u{301}2\u{E9}1".utf8))
    }

    @Test("byte order is not UTF-16 order: U+FF21 sorts before an emoji")
    func notUTF16Order() {
        let pairs = [FormPair("\u{1F600}", "emoji"), FormPair("\u{FF21}", "fullwidth")]
        #expect(canonical("", pairs) == "\u{FF21}fullwidth\u{1F600}emoji")
    }

    @Test("a name that is a prefix of another sorts first")
    func prefixFirst() {
        #expect(canonical("", [FormPair("Reason", "b"), FormPair("ReasonConferenceEnded", "a"), FormPair("Re", "c")])
            == "RecReasonbReasonConferenceEndeda")
    }

    @Test("sorting is by name, never by name+value concatenated")
    func byNameNotConcatenation() {
        // Concatenated, "Reasonx" < "ReasonConferenceEnded…" would flip; by name it must not.
        #expect(canonical("", [FormPair("ReasonConferenceEnded", "a"), FormPair("Reason", "x")])
            == "ReasonxReasonConferenceEndeda")
    }

    @Test("a repeated name: distinct values, sorted by bytes, duplicates collapsed")
    func repeatedName() {
        let pairs = [FormPair("Tag", "b"), FormPair("Tag", "a"), FormPair("Tag", "b"), FormPair("Tag", "B"), FormPair("A", "z")]
        #expect(canonical("", pairs) == "AzTagBTagaTagb")
    }

    @Test("values are used exactly: an empty value, spaces and '+' are kept, nothing is trimmed")
    func valuesExact() {
        let pairs = [FormPair("E", ""), FormPair("S", " a b "), FormPair("P", "+1 415")]
        #expect(canonical("", pairs) == "EP+1 415S a b ")
    }

    @Test("an empty name is a name like any other and sorts first")
    func emptyName() {
        #expect(canonical("u", [FormPair("a", "1"), FormPair("", "x")]) == "uxa1")
    }

    @Test("bytes that are not UTF-8 are signed as they are")
    func invalidUTF8() {
        let pairs = [FormPair(name: [0x4E], value: [0xFF, 0x41])]
        #expect(TwilioSignature.canonicalBytes(url: "u", pairs: pairs) == [0x75, 0x4E, 0xFF, 0x41])
    }

    @Test("the signature is base64 of HMAC-SHA1 with padding")
    func base64OfHMAC() {
        let signature = TwilioSignature.compute(url: "https://example.com/cb", pairs: [FormPair("a", "b")], token: "secret")
        let mac = Digest.hmacSHA1(key: Array("secret".utf8), message: Array("https://example.com/cbab".utf8))
        #expect(signature == Data(mac).base64EncodedString())
        #expect(signature.count == 28)
        #expect(signature.hasSuffix("="))
    }

    @Test("a form body with +, %20 and %2B signs its decoded values")
    func decodedBeforeSigning() {
        let form = FormBody.decode(Array("A=a+b&B=a%20b&C=a%2Bb".utf8))
        #expect(canonical("", form.pairs) == "Aa bBa bCa+b")
    }
}
