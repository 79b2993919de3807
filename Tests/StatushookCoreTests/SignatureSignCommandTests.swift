import Hashing
import Testing
@testable import StatushookCore

// Commands of the shape these tests pin were run by hand (curl 7.88.1) against a receiver that
// saved what it got (a Python http.server whose do_POST wrote the body, the Content-Type and
// X-Twilio-Signature): for a form with a quote, '&', '=', '%', '+', a newline, é and an emoji in a
// value, a space and '@' in names, an empty name and an empty value, FormBody decoded the
// received body back to exactly the pairs given and SignatureCheck said valid; likewise for a
// JSON file whose path holds a quote.

@Suite("Signature: the sign command's output")
struct SignatureSignCommandTests {
    static let url = "https://hooks.example.com/callbacks/twilio?tenant=acme"
    static let bu = "BU" + String(repeating: "a", count: 32)

    @Test("form parameters are signed as Twilio signs them; the URL is unchanged")
    func formSignature() {
        let params = [("Status", "draft"), ("BundleSid", Self.bu)]
        let result = SignCommandOutput.signature(url: Self.url, token: "tok", params: params, jsonBody: nil)
        #expect(result.url == Self.url)
        #expect(result.signature == TwilioSignature.compute(url: Self.url, pairs: [FormPair("BundleSid", Self.bu), FormPair("Status", "draft")], token: "tok"))
    }

    @Test("a JSON body adds bodySHA256 to the query and signs the URL alone")
    func jsonSignature() {
        let body = Array(#"{"Sid":"x"}"#.utf8)
        let hash = Digest.sha256Hex(body)
        let result = SignCommandOutput.signature(url: Self.url, token: "tok", params: [("Ignored", "1")], jsonBody: body)
        #expect(result.url == Self.url + "&bodySHA256=" + hash)
        #expect(result.signature == TwilioSignature.compute(url: result.url, pairs: [], token: "tok"))
        let verdict = SignatureCheck.verify(signatureHeader: result.signature, url: result.url, kind: .json,
                                            rawBody: body, form: nil, tokens: ["tok"])
        #expect(verdict == .valid)
    }

    @Test("bodySHA256 goes after '?' or '&' as the URL needs, and before a fragment")
    func appendQuery() {
        #expect(SignCommandOutput.appendingQueryParameter("p=1", to: "https://h/cb") == "https://h/cb?p=1")
        #expect(SignCommandOutput.appendingQueryParameter("p=1", to: "https://h/cb?") == "https://h/cb?p=1")
        #expect(SignCommandOutput.appendingQueryParameter("p=1", to: "https://h/cb?a=1") == "https://h/cb?a=1&p=1")
        #expect(SignCommandOutput.appendingQueryParameter("p=1", to: "https://h/cb?a=1&") == "https://h/cb?a=1&p=1")
        #expect(SignCommandOutput.appendingQueryParameter("p=1", to: "https://h/cb#f") == "https://h/cb?p=1#f")
        #expect(SignCommandOutput.appendingQueryParameter("p=1", to: "https://h/cb?a#f?") == "https://h/cb?a&p=1#f?")
    }

    @Test("the form curl command: URL, signature header, one --data-urlencode per parameter, in order")
    func formCurl() {
        let command = SignCommandOutput.curl(url: Self.url, signature: "abc+/=", params: [("Status", "draft"), ("BundleSid", Self.bu)],
                                             jsonBody: nil, jsonBodyPath: nil)
        #expect(command == """
            curl -sS -i 'https://hooks.example.com/callbacks/twilio?tenant=acme' \\
              -H 'X-Twilio-Signature: abc+/=' \\
              --data-urlencode 'Status=draft' \\
              --data-urlencode 'BundleSid=\(Self.bu)'
            """)
    }

    @Test("single quotes are written '\\'' everywhere: URL, values, names")
    func quoting() {
        #expect(SignCommandOutput.shellQuoted("O'Brien") == #"'O'\''Brien'"#)
        #expect(SignCommandOutput.shellQuoted("") == "''")
        #expect(SignCommandOutput.shellQuoted("$(rm -rf /) `x` \"y\" \\ !") == #"'$(rm -rf /) `x` "y" \ !'"#)
        let command = SignCommandOutput.curl(url: "https://h/cb?n=O'Brien", signature: "s", params: [("Name", "O'Brien & Co")],
                                             jsonBody: nil, jsonBodyPath: nil)
        #expect(command.contains(#"curl -sS -i 'https://h/cb?n=O'\''Brien'"#))
        #expect(command.contains(#"--data-urlencode 'Name=O'\''Brien & Co'"#))
    }

    @Test("values go to curl as they are: curl encodes them, including '+', '=', '&', '%', '@', newlines and UTF-8")
    func valuesRaw() {
        let command = SignCommandOutput.curl(url: "https://h", signature: "s",
                                             params: [("V", "a+b=c&d%20@e\nf é")], jsonBody: nil, jsonBodyPath: nil)
        #expect(command.hasSuffix("--data-urlencode 'V=a+b=c&d%20@e\nf é'"))
    }

    @Test("a name beyond A-Z a-z 0-9 - . _ ~ is percent-encoded here, since curl sends names as they are")
    func namesEncoded() {
        let command = SignCommandOutput.curl(url: "https://h", signature: "s",
                                             params: [("a b", "1"), ("x@y", "2"), ("k=v", "3"), ("é", "4"), ("ok-._~", "5")],
                                             jsonBody: nil, jsonBodyPath: nil)
        #expect(command.contains("--data-urlencode 'a%20b=1'"))
        #expect(command.contains("--data-urlencode 'x%40y=2'"))
        #expect(command.contains("--data-urlencode 'k%3Dv=3'"))
        #expect(command.contains("--data-urlencode '%C3%A9=4'"))
        #expect(command.contains("--data-urlencode 'ok-._~=5'"))
    }

    @Test("an empty name is sent with --data-raw, already encoded, since curl drops a leading '='")
    func emptyName() {
        let command = SignCommandOutput.curl(url: "https://h", signature: "s", params: [("", "a b")], jsonBody: nil, jsonBodyPath: nil)
        #expect(command.hasSuffix("--data-raw '=a%20b'"))
    }

    @Test("no parameters still POSTs a form: --data ''")
    func noParams() {
        let command = SignCommandOutput.curl(url: "https://h", signature: "s", params: [], jsonBody: nil, jsonBodyPath: nil)
        #expect(command.hasSuffix("--data ''"))
    }

    @Test("what curl would send for the values decodes back to the same pairs")
    func roundTrip() {
        let params = [("Status", "draft"), ("Name", "O'Brien & Co = 100% +1 é 😀\n"), ("a b", "x"), ("", "e")]
        // The body curl builds: the name part as given, the value part percent-encoded as curl does.
        let body = params.map { name, value in
            name.isEmpty ? "=" + SignCommandOutput.percentEncoded(value)
                : SignCommandOutput.percentEncoded(name) + "=" + SignCommandOutput.percentEncoded(value)
        }.joined(separator: "&")
        let decoded = FormBody.decode(Array(body.utf8))
        #expect(decoded.pairs == params.map { FormPair($0.0, $0.1) })
        #expect(decoded.isWellFormed)
    }

    @Test("the JSON curl command sends the file with its content type")
    func jsonCurl() {
        let command = SignCommandOutput.curl(url: "https://h/cb?bodySHA256=00", signature: "s", params: [],
                                             jsonBody: Array("{}".utf8), jsonBodyPath: "/tmp/it's.json")
        #expect(command == """
            curl -sS -i 'https://h/cb?bodySHA256=00' \\
              -H 'X-Twilio-Signature: s' \\
              -H 'Content-Type: application/json' \\
              --data-binary '@/tmp/it'\\''s.json'
            """)
    }

    @Test("without a path the JSON body is inline; one starting with '@' goes through stdin")
    func jsonInline() {
        let inline = SignCommandOutput.curl(url: "https://h", signature: "s", params: [], jsonBody: Array(#"{"a":"it's"}"#.utf8), jsonBodyPath: nil)
        #expect(inline.hasSuffix(#"--data-binary '{"a":"it'\''s"}'"#))
        let at = SignCommandOutput.curl(url: "https://h", signature: "s", params: [], jsonBody: Array("@etc/passwd".utf8), jsonBodyPath: nil)
        #expect(at.hasPrefix("printf '%s' '@etc/passwd' | curl"))
        #expect(at.hasSuffix("--data-binary @-"))
    }
}
