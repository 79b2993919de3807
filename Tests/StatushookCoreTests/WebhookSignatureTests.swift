import Testing
@testable import StatushookCore

// The reference vector is the one both reference libraries of the Standard Webhooks repository
// test their `sign` with (standard-webhooks/standard-webhooks: libraries/python/tests/
// test_webhooks.py `test_sign_function`, libraries/javascript/src/webhook.test.ts "sign function
// works"); the tampered and multi-signature headers come from the same files.

@Suite("Webhook: Standard Webhooks signatures")
struct WebhookSignatureTests {
    static let secret = try! StandardWebhooksSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)

    @Test("the reference libraries' vector: v1,g0hM9SsE…")
    func referenceVector() {
        #expect(StandardWebhooksSignature.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body, secret: Self.secret)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("the signed content is id.timestamp.body, byte for byte")
    func signedContent() {
        #expect(StandardWebhooksSignature.signedContent(id: "42", timestamp: 1_700_000_000, body: Array("{}".utf8))
                == Array("42.1700000000.{}".utf8))
    }

    @Test("the reference vector verifies; one changed byte of signature, body, id or timestamp does not")
    func verify() {
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        func check(_ header: String, id: String = Self.id, timestamp: Int64 = Self.timestamp, body: [UInt8] = Self.body) -> Bool {
            StandardWebhooksSignature.verify(header: header, id: id, timestamp: timestamp, body: body, secret: Self.secret)
        }
        #expect(check(good))
        #expect(!check("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="))
        #expect(!check(good, id: "msg_p5jXN8AQM9LWM0D4loKWxJeK"))
        #expect(!check(good, timestamp: Self.timestamp + 1))
        #expect(!check(good, body: Array(#"{"test": 2432232315}"#.utf8)))
        #expect(!check("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
        #expect(!check("v1,"))
        #expect(!check(""))
    }

    @Test("a header of several entries verifies when any v1 entry matches (the libraries' multi-signature case)")
    func multipleEntries() {
        let header = ["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="]
            .joined(separator: " ")
        #expect(StandardWebhooksSignature.verify(header: header, id: Self.id, timestamp: Self.timestamp, body: Self.body,
                                                 secret: Self.secret))
    }

    @Test("during a rotation the header carries both signatures, current first, each verifying with its own secret")
    func rotation() throws {
        let previous = try StandardWebhooksSecret("whsec_" + "cHJldmlvdXMtc2VjcmV0LWtleS0yNC1ieXRlcw==")
        let header = StandardWebhooksSignature.header(id: "7", timestamp: 1_700_000_000, body: Self.body,
                                                      secrets: [Self.secret, previous])
        let entries = header.split(separator: " ").map(String.init)
        #expect(entries == [
            StandardWebhooksSignature.sign(id: "7", timestamp: 1_700_000_000, body: Self.body, secret: Self.secret),
            StandardWebhooksSignature.sign(id: "7", timestamp: 1_700_000_000, body: Self.body, secret: previous),
        ])
        #expect(entries[0] != entries[1])
        for secret in [Self.secret, previous] {
            #expect(StandardWebhooksSignature.verify(header: header, id: "7", timestamp: 1_700_000_000, body: Self.body,
                                                     secret: secret))
        }
        let stranger = try StandardWebhooksSecret("whsec_c3RyYW5nZXI=")
        #expect(!StandardWebhooksSignature.verify(header: header, id: "7", timestamp: 1_700_000_000, body: Self.body,
                                                  secret: stranger))
    }

    @Test("a secret is whsec_ and base64; padding may be left out")
    func secretParsing() throws {
        #expect(try StandardWebhooksSecret("whsec_aGVsbG8=").key == Array("hello".utf8))
        #expect(try StandardWebhooksSecret("whsec_aGVsbG8").key == Array("hello".utf8))
        #expect(try StandardWebhooksSecret("whsec_aGk=").key == Array("hi".utf8))
    }

    @Test("a secret without whsec_, with text that is not base64, or empty is refused",
          arguments: ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "whsec_====", "WHSEC_aGVsbG8=",
                      "whsec_aGVsbG8===", "whsec_aGVsb", "whsec_aGV=sbG8", "whsec_aGVs-bG8"])
    func secretRefused(_ text: String) {
        #expect(throws: StandardWebhooksSecret.Invalid.self) { try StandardWebhooksSecret(text) }
    }
}
