import Hashing
import Testing
@testable import StatushookCore

@Suite("Signature: checking a request")
struct SignatureCheckTests {
    static let url = "https://hooks.example.com/callbacks/twilio?tenant=acme"
    static let body = Array("BundleSid=BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&Status=in-review&FriendlyName=Zo%C3%AB+%26+Co".utf8)

    private func sign(_ url: String, _ body: [UInt8], _ token: String) -> String {
        TwilioSignature.compute(url: url, pairs: FormBody.decode(body).pairs, token: token)
    }

    private func verify(_ header: String?, url: String = url, body: [UInt8] = body, tokens: [String] = ["current"]) -> SignatureVerdict {
        SignatureCheck.verify(signatureHeader: header, url: url, kind: .form, rawBody: body, form: nil, tokens: tokens)
    }

    @Test("a form callback signed with the token is valid")
    func valid() {
        #expect(verify(sign(Self.url, Self.body, "current")) == .valid)
    }

    @Test("the decoded form the caller passes is used instead of the raw body")
    func formGiven() {
        let signature = sign(Self.url, Self.body, "current")
        let verdict = SignatureCheck.verify(signatureHeader: signature, url: Self.url, kind: .form, rawBody: [],
                                            form: FormBody.decode(Self.body), tokens: ["current"])
        #expect(verdict == .valid)
    }

    @Test("a missing or empty header is 'missing', whatever the tokens")
    func missing() {
        #expect(verify(nil) == .missing)
        #expect(verify("") == .missing)
        #expect(verify("  ") == .missing)
        #expect(verify(nil, tokens: []) == .missing)
    }

    @Test("spaces around the header value are ignored")
    func headerWhitespace() {
        #expect(verify(" " + sign(Self.url, Self.body, "current") + "\t") == .valid)
    }

    @Test("a signature made with another token is a mismatch")
    func wrongToken() {
        #expect(verify(sign(Self.url, Self.body, "other")) == .mismatch)
    }

    @Test("with no token at all every signature is a mismatch")
    func noTokens() {
        #expect(verify(sign(Self.url, Self.body, "current"), tokens: []) == .mismatch)
    }

    @Test("the previous token is accepted during a rotation, in either position")
    func previousToken() {
        let signature = sign(Self.url, Self.body, "previous")
        #expect(verify(signature, tokens: ["current", "previous"]) == .valid)
        #expect(verify(signature, tokens: ["previous", "current"]) == .valid)
        #expect(verify(signature, tokens: ["current"]) == .mismatch)
    }

    @Test("a changed value, an added or a removed parameter is a mismatch")
    func tamperedBody() {
        let signature = sign(Self.url, Self.body, "current")
        #expect(verify(signature, body: Array("BundleSid=BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&Status=twilio-approved&FriendlyName=Zo%C3%AB+%26+Co".utf8)) == .mismatch)
        #expect(verify(signature, body: Self.body + Array("&X=1".utf8)) == .mismatch)
        #expect(verify(signature, body: Array("BundleSid=BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&Status=in-review".utf8)) == .mismatch)
    }

    @Test("reordering the body or repeating a pair keeps the signature")
    func reorderedBody() {
        let signature = sign(Self.url, Self.body, "current")
        #expect(verify(signature, body: Array("Status=in-review&FriendlyName=Zo%C3%AB+%26+Co&BundleSid=BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8)) == .valid)
        #expect(verify(signature, body: Self.body + Array("&Status=in-review".utf8)) == .valid)
    }

    @Test("'+', '%20' and '%2B' in the body: '+' and '%20' are the same space, '%2B' is a plus")
    func plusAndSpace() {
        let signature = sign(Self.url, Array("A=a+b".utf8), "current")
        #expect(verify(signature, body: Array("A=a%20b".utf8)) == .valid)
        #expect(verify(signature, body: Array("A=a%2Bb".utf8)) == .mismatch)
        #expect(verify(signature, body: Array("A=a b".utf8)) == .valid)
    }

    @Test("a different URL is a mismatch: scheme, host, path, query, re-encoded query")
    func wrongURL() {
        let url = "https://hooks.example.com/callbacks/twilio?name=O%27Brien"
        let signature = sign(url, Self.body, "current")
        #expect(verify(signature, url: url) == .valid)
        #expect(verify(signature, url: "http://hooks.example.com/callbacks/twilio?name=O%27Brien") == .mismatch)
        #expect(verify(signature, url: "https://internal:8080/callbacks/twilio?name=O%27Brien") == .mismatch)
        #expect(verify(signature, url: "https://hooks.example.com/twilio?name=O%27Brien") == .mismatch)
        #expect(verify(signature, url: "https://hooks.example.com/callbacks/twilio?name=O'Brien") == .mismatch)
        #expect(verify(signature, url: "https://hooks.example.com/callbacks/twilio") == .mismatch)
    }

    @Test("port variants: signed with :443 accepted without; signed without accepted with :443")
    func portVariants() {
        #expect(verify(sign("https://hooks.example.com:443/cb", Self.body, "current"), url: "https://hooks.example.com/cb") == .valid)
        #expect(verify(sign("https://hooks.example.com/cb", Self.body, "current"), url: "https://hooks.example.com:443/cb") == .valid)
        #expect(verify(sign("http://hooks.example.com:80/cb", Self.body, "current"), url: "http://hooks.example.com/cb") == .valid)
        #expect(verify(sign("http://hooks.example.com/cb", Self.body, "current"), url: "http://hooks.example.com:80/cb") == .valid)
        // https is never given :80, nor http :443.
        #expect(verify(sign("https://hooks.example.com:80/cb", Self.body, "current"), url: "https://hooks.example.com/cb") == .mismatch)
        #expect(verify(sign("http://hooks.example.com:443/cb", Self.body, "current"), url: "http://hooks.example.com/cb") == .mismatch)
    }

    @Test("port variants combine with every token")
    func portVariantsAndTokens() {
        let signature = sign("https://hooks.example.com:443/cb", Self.body, "previous")
        #expect(verify(signature, url: "https://hooks.example.com/cb", tokens: ["current", "previous"]) == .valid)
    }

    @Test("a signature without its base64 padding, or in another case, is a mismatch")
    func exactBase64() throws {
        let signature = sign(Self.url, Self.body, "current")
        try #require(signature.hasSuffix("=") && signature.lowercased() != signature)
        #expect(verify(String(signature.dropLast())) == .mismatch)
        #expect(verify(signature.lowercased()) == .mismatch)
    }

    @Test("userinfo is part of the signed URL")
    func userinfo() {
        let url = "https://twilio:s3cret@hooks.example.com/callbacks/twilio"
        let signature = sign(url, Self.body, "current")
        #expect(verify(signature, url: url) == .valid)
        #expect(verify(signature, url: "https://twilio:s3cret@hooks.example.com:443/callbacks/twilio") == .valid)
        #expect(verify(signature, url: "https://hooks.example.com/callbacks/twilio") == .mismatch)
    }
}

@Suite("Signature: JSON bodies and bodySHA256")
struct SignatureJSONTests {
    static let body = Array(#"{"BundleSid":"BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","Status":"twilio-approved"}"#.utf8)
    static let hash = Digest.sha256Hex(body)
    static let url = "https://hooks.example.com/callbacks/twilio?tenant=acme&bodySHA256=" + hash

    private func verify(_ header: String?, url: String = url, body: [UInt8] = body, tokens: [String] = ["current"]) -> SignatureVerdict {
        SignatureCheck.verify(signatureHeader: header, url: url, kind: .json, rawBody: body, form: nil, tokens: tokens)
    }

    private func sign(_ url: String, _ token: String = "current") -> String {
        TwilioSignature.compute(url: url, pairs: [], token: token)
    }

    @Test("a JSON body whose hash is in the signed URL is valid")
    func valid() {
        #expect(verify(sign(Self.url)) == .valid)
    }

    @Test("the JSON body's fields are not signed as parameters: only the URL")
    func urlOnly() {
        let asForm = TwilioSignature.compute(url: Self.url, pairs: [FormPair("Status", "twilio-approved")], token: "current")
        #expect(verify(asForm) == .mismatch)
    }

    @Test("a URL without bodySHA256 is 'bodyHashMissing', even with a signature over that URL")
    func hashMissing() {
        let url = "https://hooks.example.com/callbacks/twilio?tenant=acme"
        #expect(verify(sign(url), url: url) == .bodyHashMissing)
        #expect(verify(sign(url), url: "https://hooks.example.com/callbacks/twilio") == .bodyHashMissing)
        // A name that only contains it is not it.
        #expect(verify(sign(url), url: url + "&xbodySHA256=" + Self.hash) == .bodyHashMissing)
    }

    @Test("a missing signature header is reported before a missing hash")
    func missingFirst() {
        #expect(verify(nil, url: "https://hooks.example.com/cb") == .missing)
    }

    @Test("a valid signature over a hash that is not the body's is 'bodyHashMismatch'")
    func hashMismatch() {
        let other = Array(#"{"BundleSid":"BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","Status":"twilio-rejected"}"#.utf8)
        #expect(verify(sign(Self.url), body: other) == .bodyHashMismatch)
        #expect(verify(sign(Self.url), body: Self.body + [0x0A]) == .bodyHashMismatch)
    }

    @Test("a hash that matches under a wrong signature is a 'mismatch'")
    func signatureBeforeHash() {
        #expect(verify(sign(Self.url, "other")) == .mismatch)
        #expect(verify(sign(Self.url, "other"), body: []) == .mismatch)
    }

    @Test("an uppercase hex hash is refused, as Twilio's libraries refuse it")
    func uppercaseHash() {
        let url = "https://hooks.example.com/callbacks/twilio?tenant=acme&bodySHA256=" + Self.hash.uppercased()
        #expect(verify(sign(url), url: url) == .bodyHashMismatch)
    }

    @Test("bodySHA256 may come first, alone or percent-encoded in its name; the first one counts")
    func hashPosition() {
        let first = "https://hooks.example.com/cb?bodySHA256=\(Self.hash)&tenant=acme"
        #expect(verify(sign(first), url: first) == .valid)
        let encodedName = "https://hooks.example.com/cb?body%53HA256=\(Self.hash)"
        #expect(verify(sign(encodedName), url: encodedName) == .valid)
        let twice = "https://hooks.example.com/cb?bodySHA256=\(Self.hash)&bodySHA256=00"
        #expect(verify(sign(twice), url: twice) == .valid)
        let twiceWrongFirst = "https://hooks.example.com/cb?bodySHA256=00&bodySHA256=\(Self.hash)"
        #expect(verify(sign(twiceWrongFirst), url: twiceWrongFirst) == .bodyHashMismatch)
    }

    @Test("a fragment after the hash is not part of it")
    func fragment() {
        let url = Self.url + "#section"
        #expect(verify(sign(url), url: url) == .valid)
    }

    @Test("an empty JSON body {} and the port variants work as for forms")
    func emptyBodyAndPorts() {
        let body = Array("{}".utf8)
        let url = "https://hooks.example.com:443/cb?bodySHA256=" + Digest.sha256Hex(body)
        let signature = sign(url)
        #expect(verify(signature, url: url, body: body) == .valid)
        #expect(verify(signature, url: "https://hooks.example.com/cb?bodySHA256=" + Digest.sha256Hex(body), body: body) == .valid)
    }

    @Test("the previous token signs JSON too")
    func previousToken() {
        #expect(verify(sign(Self.url, "previous"), tokens: ["current", "previous"]) == .valid)
    }
}
