import Testing
@testable import StatushookCore

@Suite("Form: decoding application/x-www-form-urlencoded")
struct FormBodyTests {
    private func decode(_ text: String) -> FormBody {
        FormBody.decode(Array(text.utf8))
    }

    private func texts(_ form: FormBody) -> [[String]] {
        form.pairs.map { [String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)] }
    }

    @Test("pairs in body order, names and values decoded")
    func basic() {
        let form = decode("Status=in-review&BundleSid=BU1&Status=draft")
        #expect(texts(form) == [["Status", "in-review"], ["BundleSid", "BU1"], ["Status", "draft"]])
        #expect(form.isWellFormed)
    }

    @Test("'+' is a space, %20 is a space, %2B is a plus, %2b too")
    func plusAndPercent() {
        #expect(texts(decode("a=x+y&b=x%20y&c=x%2By&d=x%2by&e+f=1")) == [["a", "x y"], ["b", "x y"], ["c", "x+y"], ["d", "x+y"], ["e f", "1"]])
    }

    @Test("escaped separators are data: %26, %3D, %25")
    func escapedSeparators() {
        #expect(texts(decode("a%3Db=c%26d%3De%25")) == [["a=b", "c&d=e%"]])
    }

    @Test("only the first '=' splits; later ones belong to the value")
    func firstEquals() {
        #expect(texts(decode("a==b=c")) == [["a", "=b=c"]])
    }

    @Test("empty segments are skipped; a name without '=' has an empty value; '=v' has an empty name")
    func emptyPieces() {
        #expect(texts(decode("&&a&b=&&=v&")) == [["a", ""], ["b", ""], ["", "v"]])
        #expect(decode("").pairs.isEmpty)
        #expect(decode("&").pairs.isEmpty)
    }

    @Test("nothing is trimmed")
    func noTrim() {
        #expect(texts(decode(" a = b ")) == [[" a ", " b "]])
    }

    @Test("a malformed '%' is kept literally and marks the body malformed")
    func malformedPercent() {
        for (body, value) in [("a=100%", "100%"), ("a=%zz", "%zz"), ("a=%4", "%4"), ("a=%%41", "%A"), ("a=%G1", "%G1")] {
            let form = decode(body)
            #expect(texts(form) == [["a", value]], "\(body)")
            #expect(form.hasMalformedEscape, "\(body)")
            #expect(!form.isWellFormed, "\(body)")
        }
    }

    @Test("UTF-8 escapes decode to their bytes; raw UTF-8 passes through")
    func utf8() {
        let form = decode("n=Zo%C3%AB&m=caf\u{E9}&e=%F0%9F%98%80")
        #expect(texts(form) == [["n", "Zo\u{EB}"], ["m", "caf\u{E9}"], ["e", "\u{1F600}"]])
        #expect(form.isWellFormed)
    }

    @Test("an escape that is not UTF-8 is decoded to its byte and marks the body not well-formed")
    func invalidUTF8() {
        let form = decode("a=%FF&b=%C3")
        #expect(form.pairs == [FormPair(name: [0x61], value: [0xFF]), FormPair(name: [0x62], value: [0xC3])])
        #expect(!form.hasMalformedEscape)
        #expect(!form.isWellFormed)
        #expect(form.firstPairNotUTF8 == FormPair(name: [0x61], value: [0xFF]))
    }

    @Test("raw bytes that are not UTF-8 mark the body not well-formed")
    func rawInvalidUTF8() {
        let form = FormBody.decode([0x61, 0x3D, 0xE9])
        #expect(form.pairs == [FormPair(name: [0x61], value: [0xE9])])
        #expect(!form.isWellFormed)
    }

    @Test("';' is not a separator")
    func semicolon() {
        #expect(texts(decode("a=1;b=2")) == [["a", "1;b=2"]])
    }

    @Test("lookups by name: every value in body order, or the first")
    func lookups() {
        let form = decode("Tag=b&Other=x&Tag=a")
        #expect(form.values(named: "Tag") == [Array("b".utf8), Array("a".utf8)])
        #expect(form.firstValue(named: "Tag") == Array("b".utf8))
        #expect(form.firstValue(named: "tag") == nil)
    }

    @Test("a NUL escape decodes to a NUL byte (the content check refuses it)")
    func nul() {
        #expect(decode("a=%00").pairs == [FormPair(name: [0x61], value: [0])])
    }
}
