import Testing
@testable import StatushookCore

// The expected signatures below come from Twilio's Python SDK (twilio 9.13.0), not from this
// code. To regenerate them:
//
//     python3 -m venv /tmp/sigvenv && /tmp/sigvenv/bin/pip install twilio
//     /tmp/sigvenv/bin/python cross.py
//
// with cross.py:
//
//     # Expected values for SignaturePythonCrossCheckTests.swift, from Twilio's Python SDK (twilio 9.13.0):
//     #   python3 -m venv /tmp/sigvenv && /tmp/sigvenv/bin/pip install twilio && /tmp/sigvenv/bin/python cross.py
//     import hashlib
//     from twilio.request_validator import RequestValidator
//
//     class Multi(dict):
//         """A multi-valued dict the SDK reads with getall() (as it reads Flask's MultiDict)."""
//         def getall(self, name):
//             return self[name]
//
//     v = RequestValidator("12345")
//     u = "https://example.com/callbacks/twilio?tenant=acme"
//     cases = [
//         ("byte order of names", u, {"a": "1", "B": "2", "\u00e9": "3", "Z": "4", "_": "5"}),
//         ("canonically equivalent names stay distinct", u, {"\u00e9": "precomposed", "e\u0301": "decomposed"}),
//         ("BMP above surrogates vs astral", u, {"\uff21": "fullwidth", "\U0001f600": "emoji"}),
//         ("repeated name, distinct values sorted, duplicates collapsed", u,
//             Multi({"Tag": ["b", "a", "b", "B"], "Status": ["in-review"]})),
//         ("canonically equivalent values stay distinct", u, Multi({"V": ["e\u0301", "\u00e9"]})),
//         ("non-ASCII values", u, {"FriendlyName": "Zo\u00eb \U0001f600 M\u00fcller", "Status": "draft"}),
//         ("plus, space and %2B decoded", u, {"A": "a b", "B": "a+b", "C": "a b"}),
//         ("empty value", u, {"FailureReason": "", "Status": "draft"}),
//         ("trustHub callback", "https://hooks.example.com/callbacks/twilio",
//             {"AccountSid": "AC" + "0" * 32, "BundleSid": "BU" + "a" * 32, "Status": "twilio-rejected",
//              "FailureReason": "Business name mismatch (18601)"}),
//         ("query %27 kept", "https://example.com/cb?name=O%27Brien", {"Status": "draft"}),
//         ("query ' kept", "https://example.com/cb?name=O'Brien", {"Status": "draft"}),
//         ("userinfo signed", "https://user:p%40ss@example.com/cb", {"Status": "draft"}),
//         ("userinfo with :443", "https://user:p%40ss@example.com:443/cb", {"Status": "draft"}),
//         ("custom port", "https://example.com:8443/cb", {"Status": "draft"}),
//         ("custom port stripped", "https://example.com/cb", {"Status": "draft"}),
//         ("http :80", "http://example.com:80/cb", {"Status": "draft"}),
//         ("ipv6 host with port", "https://[2001:db8::1]:8443/cb", {"Status": "draft"}),
//         ("ipv6 host without port", "https://[2001:db8::1]/cb", {"Status": "draft"}),
//     ]
//     for name, url, params in cases:
//         print(repr(name), repr(url), v.compute_signature(url, params))
//
//     body = '{"BundleSid":"BU' + "a" * 32 + '","Status":"in-review"}'
//     h = hashlib.sha256(body.encode()).hexdigest()
//     ju = "https://example.com/callbacks/twilio?tenant=acme&bodySHA256=" + h
//     print("json", repr(body), h, v.compute_signature(ju, {}), v.validate(ju, body, v.compute_signature(ju, {})))
//     print("json uppercase hash validates?", v.validate(ju.replace(h, h.upper()), body, v.compute_signature(ju.replace(h, h.upper()), {})))
//     print("previous token", RequestValidator("previous-token").compute_signature(u, {"Status": "draft"}))
//     print("validate without port accepts :443 signature",
//           v.validate("https://example.com/cb", {"Status": "draft"}, v.compute_signature("https://example.com:443/cb", {"Status": "draft"})))
//     print("python remove_port drops userinfo:",
//           __import__("twilio.request_validator", fromlist=["x"]).remove_port(__import__("urllib.parse").parse.urlparse("https://user:pw@example.com:8443/cb")))
//
// The SDK's compute_signature sorts names with Python's `sorted`, which orders `str` by code
// point: the same order as UTF-8 bytes, unlike Swift's `String` ordering (which treats
// canonically equivalent text as equal) and Java's (UTF-16 code units, which puts an astral
// character before U+FF21). Its last line shows the SDK's own `remove_port` dropping userinfo
// ("https://user/cb"), which `TwilioSignature.urlVariants` must not copy.

@Suite("Signature: cross-checked against Twilio's Python SDK")
struct SignaturePythonCrossCheckTests {
    static let token = "12345"
    static let url = "https://example.com/callbacks/twilio?tenant=acme"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var url: String
        var pairs: [FormPair]
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "byte order of names", url: url,
             pairs: [FormPair("a", "1"), FormPair("B", "2"), FormPair("\u{E9}", "3"), FormPair("Z", "4"), FormPair("_", "5")],
             expected: "TypCtDxTf8/kD0fiQEJjYKV9xL8="),
        Case(name: "canonically equivalent names stay distinct", url: url,
             pairs: [FormPair("\u{E9}", "precomposed"), FormPair("e\u{301}", "decomposed")],
             expected: "ENlYK+cq5oQh6TtsV8eZU9Uzstk="),
        Case(name: "BMP above surrogates vs astral", url: url,
             pairs: [FormPair("\u{FF21}", "fullwidth"), FormPair("\u{1F600}", "emoji")],
             expected: "7ekL+2bFdFRxchNROL1ITMiblVM="),
        Case(name: "repeated name, distinct values sorted, duplicates collapsed", url: url,
             pairs: [FormPair("Tag", "b"), FormPair("Tag", "a"), FormPair("Tag", "b"), FormPair("Tag", "B"),
                     FormPair("Status", "in-review")],
             expected: "wEtnWsWZ/9FPiku8mByZSiH2iYw="),
        Case(name: "canonically equivalent values stay distinct", url: url,
             pairs: [FormPair("V", "e\u{301}"), FormPair("V", "\u{E9}")],
             expected: "BLxNyO5iCKGEJbOWNvKqsfPFHPw="),
        Case(name: "non-ASCII values", url: url,
             pairs: [FormPair("FriendlyName", "Zo\u{EB} \u{1F600} M\u{FC}ller"), FormPair("Status", "draft")],
             expected: "QIFNf99r1jut8finw0l50oTBPvg="),
        Case(name: "plus, space and %2B decoded", url: url,
             pairs: [FormPair("A", "a b"), FormPair("B", "a+b"), FormPair("C", "a b")],
             expected: "siMA6MlX5SubwIaiokk6siYBV0Y="),
        Case(name: "empty value", url: url,
             pairs: [FormPair("FailureReason", ""), FormPair("Status", "draft")],
             expected: "bGMGMcNGz1+PrH65HORpeeArbeA="),
        Case(name: "TrustHub callback", url: "https://hooks.example.com/callbacks/twilio",
             pairs: [FormPair("AccountSid", "AC" + String(repeating: "0", count: 32)),
                     FormPair("BundleSid", "BU" + String(repeating: "a", count: 32)),
                     FormPair("Status", "twilio-rejected"),
                     FormPair("FailureReason", "Business name mismatch (18601)")],
             expected: "4W/YUnNH5iEWzV9g/h88bzNqVA8="),
        Case(name: "query %27 kept", url: "https://example.com/cb?name=O%27Brien",
             pairs: [FormPair("Status", "draft")], expected: "kiPiOL5Ol3na5Okp59KpelfJRw8="),
        Case(name: "query ' kept", url: "https://example.com/cb?name=O'Brien",
             pairs: [FormPair("Status", "draft")], expected: "l3qsLWZf0Hqha7rnsg3YjVph17E="),
        Case(name: "userinfo signed", url: "https://user:p%40ss@example.com/cb",
             pairs: [FormPair("Status", "draft")], expected: "8EFSgo4Y28RGGewz+l3b8uhdd2g="),
        Case(name: "userinfo with :443", url: "https://user:p%40ss@example.com:443/cb",
             pairs: [FormPair("Status", "draft")], expected: "OIQYsFrPrMSku0HHJrKvSbNtFos="),
        Case(name: "custom port", url: "https://example.com:8443/cb",
             pairs: [FormPair("Status", "draft")], expected: "CWumlTx96jHV5YTDtb2nwskWi+Q="),
        Case(name: "custom port stripped", url: "https://example.com/cb",
             pairs: [FormPair("Status", "draft")], expected: "LMiz7fl/56ccSFRxFTcdDPmcdQM="),
        Case(name: "http :80", url: "http://example.com:80/cb",
             pairs: [FormPair("Status", "draft")], expected: "j5ttU2bbcLQwyouhk31HoWwfPTY="),
        Case(name: "ipv6 host with port", url: "https://[2001:db8::1]:8443/cb",
             pairs: [FormPair("Status", "draft")], expected: "kFW4pk9xPz+TELw6BY7ItzmgvC0="),
        Case(name: "ipv6 host without port", url: "https://[2001:db8::1]/cb",
             pairs: [FormPair("Status", "draft")], expected: "TmeQ3lmgQo1uFk1yfvbIlhh23FI="),
    ]

    @Test("computes what the Python SDK computes", arguments: cases)
    func matchesPython(_ testCase: Case) {
        #expect(TwilioSignature.compute(url: testCase.url, pairs: testCase.pairs, token: Self.token) == testCase.expected)
    }

    @Test("pair order in the body does not change the signature", arguments: cases)
    func orderIndependent(_ testCase: Case) {
        #expect(TwilioSignature.compute(url: testCase.url, pairs: testCase.pairs.reversed(), token: Self.token) == testCase.expected)
    }

    @Test("a custom port signed without it is accepted at :8443, and signed with it at :8443 only")
    func customPort() {
        let form = FormBody(pairs: [FormPair("Status", "draft")])
        let signedWithout = "LMiz7fl/56ccSFRxFTcdDPmcdQM="
        let signedWith = "CWumlTx96jHV5YTDtb2nwskWi+Q="
        func verdict(_ signature: String, _ url: String) -> SignatureVerdict {
            SignatureCheck.verify(signatureHeader: signature, url: url, kind: .form, rawBody: [], form: form, tokens: [Self.token])
        }
        #expect(verdict(signedWithout, "https://example.com:8443/cb") == .valid)
        #expect(verdict(signedWith, "https://example.com:8443/cb") == .valid)
        #expect(verdict(signedWith, "https://example.com/cb") == .mismatch)
    }

    @Test("userinfo is kept in both port variants: signed without :443, accepted at :443 and back")
    func userinfoPortVariants() {
        let form = FormBody(pairs: [FormPair("Status", "draft")])
        func verdict(_ signature: String, _ url: String) -> SignatureVerdict {
            SignatureCheck.verify(signatureHeader: signature, url: url, kind: .form, rawBody: [], form: form, tokens: [Self.token])
        }
        #expect(verdict("8EFSgo4Y28RGGewz+l3b8uhdd2g=", "https://user:p%40ss@example.com:443/cb") == .valid)
        #expect(verdict("OIQYsFrPrMSku0HHJrKvSbNtFos=", "https://user:p%40ss@example.com/cb") == .valid)
        // Without the credentials the URL is another URL.
        #expect(verdict("8EFSgo4Y28RGGewz+l3b8uhdd2g=", "https://example.com/cb") == .mismatch)
    }

    @Test("an IPv6 host's port variants keep its brackets")
    func ipv6PortVariants() {
        #expect(TwilioSignature.urlVariants("https://[2001:db8::1]:8443/cb") == ["https://[2001:db8::1]:8443/cb", "https://[2001:db8::1]/cb"])
        #expect(TwilioSignature.urlVariants("https://[2001:db8::1]/cb") == ["https://[2001:db8::1]/cb", "https://[2001:db8::1]:443/cb"])
    }

    @Test("a JSON body: the SDK's signature over the URL with bodySHA256 verifies; the previous token's too")
    func jsonAndPreviousToken() {
        let body = Array(#"{"BundleSid":"BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","Status":"in-review"}"#.utf8)
        let url = "https://example.com/callbacks/twilio?tenant=acme&bodySHA256=15810459dc004c78a29c4f3c35a4de1306b88b82a95e60b4f1b69e26a119dcbd"
        #expect(SignatureCheck.verify(signatureHeader: "rA9a/VinPlHuS4nDxBbFtwt2vyQ=", url: url, kind: .json, rawBody: body,
                                      form: nil, tokens: [Self.token]) == .valid)
        #expect(SignatureCheck.verify(signatureHeader: "iIvGy8Z7vX//Wa0TXHXirwitOTg=", url: Self.url, kind: .form, rawBody: [],
                                      form: FormBody(pairs: [FormPair("Status", "draft")]),
                                      tokens: ["current-token", "previous-token"]) == .valid)
    }
}
