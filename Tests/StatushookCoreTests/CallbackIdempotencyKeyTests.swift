import Hashing
import Testing
@testable import StatushookCore

@Suite("Callback: idempotency keys")
struct CallbackIdempotencyKeyTests {
    static let bu = "BU" + String(repeating: "a", count: 32)

    private func content(_ body: String) throws -> CallbackContent {
        try CallbackParser.parse(form: FormBody.decode(Array(body.utf8)))
    }

    @Test("the header token, when present, is the key: t: + token")
    func headerToken() throws {
        let c = try content("BundleSid=\(Self.bu)&Status=draft")
        #expect(IdempotencyKey.derive(headerToken: "1d0b9c2f-ab12", content: c) == "t:1d0b9c2f-ab12")
        #expect(IdempotencyKey.derive(headerToken: " 1d0b9c2f-ab12 ", content: c) == "t:1d0b9c2f-ab12")
    }

    @Test("an empty or blank header token is ignored: h: + hash")
    func emptyToken() throws {
        let c = try content("BundleSid=\(Self.bu)&Status=draft")
        let hashed = IdempotencyKey.derive(headerToken: nil, content: c)
        #expect(hashed.hasPrefix("h:"))
        #expect(hashed.count == 2 + 64)
        #expect(IdempotencyKey.derive(headerToken: "", content: c) == hashed)
        #expect(IdempotencyKey.derive(headerToken: "  ", content: c) == hashed)
    }

    @Test("the hash is SHA-256 of SID, status and canonical params, each length-prefixed")
    func hashInput() throws {
        let c = try content("BundleSid=\(Self.bu)&Status=draft")
        let input = CallbackParser.lengthPrefixed(Array(Self.bu.utf8)) + CallbackParser.lengthPrefixed(Array("draft".utf8))
            + CallbackParser.lengthPrefixed(c.canonicalParams)
        #expect(IdempotencyKey.derive(headerToken: nil, content: c) == "h:" + Digest.sha256Hex(input))
    }

    @Test("the same callback retried, in any pair order, gets the same key")
    func retries() throws {
        let a = try content("BundleSid=\(Self.bu)&Status=draft&X=1")
        let b = try content("X=1&Status=draft&BundleSid=\(Self.bu)")
        #expect(IdempotencyKey.derive(headerToken: nil, content: a) == IdempotencyKey.derive(headerToken: nil, content: b))
    }

    @Test("any changed parameter changes the key")
    func changes() throws {
        let base = IdempotencyKey.derive(headerToken: nil, content: try content("BundleSid=\(Self.bu)&Status=draft&X=1"))
        for body in ["BundleSid=\(Self.bu)&Status=in-review&X=1", "BundleSid=\(Self.bu)&Status=draft&X=2",
                     "BundleSid=\(Self.bu)&Status=draft", "BundleSid=\(Self.bu)&Status=draft&X=1&Y="] {
            #expect(IdempotencyKey.derive(headerToken: nil, content: try content(body)) != base, "\(body)")
        }
    }

    @Test("fields that only move bytes between them do not collide")
    func noCollision() {
        let a = CallbackContent(sid: "ab", status: "c", isKnownStatus: false, paramsJSON: "{}", canonicalParams: [])
        let b = CallbackContent(sid: "a", status: "bc", isKnownStatus: false, paramsJSON: "{}", canonicalParams: [])
        #expect(IdempotencyKey.derive(headerToken: nil, content: a) != IdempotencyKey.derive(headerToken: nil, content: b))
    }

    @Test("a token too long for a unique index is hashed")
    func longToken() throws {
        let c = try content("BundleSid=\(Self.bu)&Status=draft")
        let token = String(repeating: "x", count: 201)
        #expect(IdempotencyKey.derive(headerToken: token, content: c) == "t:sha256:" + Digest.sha256Hex(Array(token.utf8)))
        let fits = String(repeating: "x", count: 200)
        #expect(IdempotencyKey.derive(headerToken: fits, content: c) == "t:" + fits)
    }
}
