import Foundation
import Hashing
import Testing
@testable import StatushookCore

/// Every vector of `Tests/Fixtures/twilio-signature-vectors.json` (from the test suites of Twilio's
/// python, node, java, go, csharp, ruby and php libraries).
///
/// The file holds 15 vectors that must verify: each `expected` is the signature of `url` itself.
/// Three of them sign an explicit default or custom port (`https explicit :443`,
/// `http explicit :80`, `http :1234`), and the port variants must also accept them at the URL
/// without the port; three are JSON bodies signed through `bodySHA256` (`body_json`, or `{}` for
/// `empty_body_sha256`). One negative vector (`must_not_equal`) is the signature a library got
/// wrong by sorting concatenated name+value instead of names.
@Suite("Signature: Twilio's own vectors")
struct SignatureVectorTests {
    private func pairs(_ vector: SignatureVectorFile.Vector) -> [FormPair] {
        vector.params.map { FormPair($0[0], $0[1]) }
    }

    private func isJSON(_ vector: SignatureVectorFile.Vector) -> Bool {
        vector.url.contains("bodySHA256=")
    }

    private func jsonBody(_ vector: SignatureVectorFile.Vector, _ file: SignatureVectorFile) -> [UInt8] {
        vector.url.contains(file.emptyBodySHA256) ? Array("{}".utf8) : Array(file.bodyJSON.utf8)
    }

    @Test("the vector file is the one described: 15 vectors, 1 negative, JSON bodies hash as stated")
    func fileShape() throws {
        let file = try SignatureFixtures.vectors()
        #expect(file.about.contains("X-Twilio-Signature"))
        #expect(file.vectors.count == 15)
        #expect(file.negative.count == 1)
        #expect(file.vectors.allSatisfy { $0.expected != nil })
        #expect(file.negative.allSatisfy { $0.mustNotEqual != nil })
        #expect(Digest.sha256Hex(Array(file.bodyJSON.utf8)) == file.bodySHA256)
        #expect(Digest.sha256Hex(Array("{}".utf8)) == file.emptyBodySHA256)
        #expect(file.vectors.filter(isJSON).count == 3)
    }

    @Test("every vector's signature is computed exactly")
    func computeEveryVector() throws {
        for vector in try SignatureFixtures.vectors().vectors {
            let computed = TwilioSignature.compute(url: vector.url, pairs: pairs(vector), token: vector.authToken)
            #expect(computed == vector.expected, "\(vector.name)")
        }
    }

    @Test("every vector verifies as a request would carry it, form or JSON")
    func verifyEveryVector() throws {
        let file = try SignatureFixtures.vectors()
        for vector in file.vectors {
            let json = isJSON(vector)
            let body = json ? jsonBody(vector, file) : []
            let verdict = SignatureCheck.verify(
                signatureHeader: vector.expected, url: vector.url, kind: json ? .json : .form,
                rawBody: body, form: json ? nil : FormBody(pairs: pairs(vector)), tokens: [vector.authToken]
            )
            #expect(verdict == .valid, "\(vector.name)")
        }
    }

    @Test("every vector with a default or no port verifies at its port variant too")
    func verifyEveryVectorAtItsPortVariant() throws {
        let file = try SignatureFixtures.vectors()
        for vector in file.vectors where !vector.url.contains(":1234/") {
            let variants = TwilioSignature.urlVariants(vector.url)
            try #require(variants.count == 2, "\(vector.name)")
            let json = isJSON(vector)
            let verdict = SignatureCheck.verify(
                signatureHeader: vector.expected, url: variants[1], kind: json ? .json : .form,
                rawBody: json ? jsonBody(vector, file) : [], form: json ? nil : FormBody(pairs: pairs(vector)),
                tokens: [vector.authToken]
            )
            #expect(verdict == .valid, "\(vector.name) at \(variants[1])")
        }
    }

    @Test("the explicit :443 and :80 vectors are accepted at the URL without the port")
    func explicitDefaultPortVectors() throws {
        let file = try SignatureFixtures.vectors()
        let expectations = [
            "https explicit :443 (python/node/java/ruby/php/csharp)": "https://mycompany.com/myapp.php?foo=1&bar=2",
            "http explicit :80": "http://mycompany.com/myapp.php?foo=1&bar=2",
        ]
        for (name, urlWithoutPort) in expectations {
            let vector = try #require(file.vectors.first { $0.name == name }, "vector '\(name)' is gone from the file")
            let verdict = SignatureCheck.verify(
                signatureHeader: vector.expected, url: urlWithoutPort, kind: .form, rawBody: [],
                form: FormBody(pairs: pairs(vector)), tokens: [vector.authToken]
            )
            #expect(verdict == .valid, "\(name)")
        }
    }

    @Test("a custom port is only ever dropped, never guessed: the :1234 vector")
    func customPortVector() throws {
        let file = try SignatureFixtures.vectors()
        let vector = try #require(file.vectors.first { $0.name == "http :1234" }, "vector 'http :1234' is gone from the file")
        let withoutPort = "http://mycompany.com/myapp.php?foo=1&bar=2"
        let form = FormBody(pairs: pairs(vector))
        // Signed with :1234, received at a URL without a port: :1234 cannot be guessed.
        #expect(SignatureCheck.verify(signatureHeader: vector.expected, url: withoutPort, kind: .form, rawBody: [],
                                      form: form, tokens: [vector.authToken]) == .mismatch)
        // Signed without the port, received at :1234: the variant without the port is tried.
        let signedWithoutPort = TwilioSignature.compute(url: withoutPort, pairs: form.pairs, token: vector.authToken)
        #expect(SignatureCheck.verify(signatureHeader: signedWithoutPort, url: vector.url, kind: .form, rawBody: [],
                                      form: form, tokens: [vector.authToken]) == .valid)
    }

    @Test("a vector's signature does not verify with another token")
    func wrongToken() throws {
        for vector in try SignatureFixtures.vectors().vectors where !isJSON(vector) {
            let verdict = SignatureCheck.verify(
                signatureHeader: vector.expected, url: vector.url, kind: .form, rawBody: [],
                form: FormBody(pairs: pairs(vector)), tokens: ["54321"]
            )
            #expect(verdict == .mismatch, "\(vector.name)")
        }
    }

    @Test("the negative vector's wrong signature is neither computed nor accepted")
    func negativeVectors() throws {
        for vector in try SignatureFixtures.vectors().negative {
            let computed = TwilioSignature.compute(url: vector.url, pairs: pairs(vector), token: vector.authToken)
            #expect(computed != vector.mustNotEqual, "\(vector.name)")
            let verdict = SignatureCheck.verify(
                signatureHeader: vector.mustNotEqual, url: vector.url, kind: .form, rawBody: [],
                form: FormBody(pairs: pairs(vector)), tokens: [vector.authToken]
            )
            #expect(verdict == .mismatch, "\(vector.name)")
        }
    }

    @Test("a vector's form body, encoded and decoded again, still verifies")
    func throughTheFormDecoder() throws {
        for vector in try SignatureFixtures.vectors().vectors where !isJSON(vector) {
            let body = vector.params
                .map { SignCommandOutput.percentEncoded($0[0]) + "=" + SignCommandOutput.percentEncoded($0[1]) }
                .joined(separator: "&")
            let verdict = SignatureCheck.verify(
                signatureHeader: vector.expected, url: vector.url, kind: .form, rawBody: Array(body.utf8),
                form: nil, tokens: [vector.authToken]
            )
            #expect(verdict == .valid, "\(vector.name)")
        }
    }
}
