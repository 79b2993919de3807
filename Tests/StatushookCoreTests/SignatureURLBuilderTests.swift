import Testing
@testable import StatushookCore

@Suite("Signature: rebuilding the signed URL")
struct SignatureURLBuilderTests {
    static let target = "/callbacks/twilio?tenant=acme&name=O%27Brien"

    private func headers(_ values: [String: String]) -> (String) -> String? {
        { name in values.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    private func builder(_ publicURL: String? = nil, trusting entries: [String] = ["10.0.0.0/8", "::1"]) throws -> SignedURLBuilder {
        SignedURLBuilder(publicURL: publicURL, trustedProxies: try TrustedProxies(parsing: entries))
    }

    @Test("with public_url: public_url + target, whatever the headers say")
    func publicURL() throws {
        let url = try builder("https://hooks.example.com").signedURL(
            target: Self.target, peer: "10.0.0.1",
            header: headers(["Host": "internal:8080", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"]))
        #expect(url == "https://hooks.example.com/callbacks/twilio?tenant=acme&name=O%27Brien")
    }

    @Test("public_url with a path prefix, a port and credentials")
    func publicURLPrefix() throws {
        let url = try builder("https://twilio:s3cret@example.com:8443/statushook").signedURL(
            target: "/callbacks/twilio", peer: "203.0.113.1", header: headers([:]))
        #expect(url == "https://twilio:s3cret@example.com:8443/statushook/callbacks/twilio")
    }

    @Test("a trailing slash on public_url is dropped")
    func publicURLTrailingSlash() throws {
        #expect(try builder("https://example.com/prefix/").signedURL(target: "/cb", peer: "1.2.3.4", header: headers([:]))
            == "https://example.com/prefix/cb")
        #expect(try builder("").signedURL(target: "/cb", peer: "1.2.3.4", header: headers(["Host": "h"])) == "http://h/cb")
    }

    @Test("the target is kept byte for byte: ', %27, +, %20 and non-ASCII")
    func targetVerbatim() throws {
        let target = "/cb?a=it's&b=O%27Brien&c=a+b&d=a%20b&e=caf\u{E9}"
        #expect(try builder("https://h").signedURL(target: target, peer: "1.2.3.4", header: headers([:])) == "https://h" + target)
    }

    @Test("an untrusted peer's X-Forwarded-* headers are ignored: http:// + Host")
    func untrusted() throws {
        let url = try builder().signedURL(
            target: Self.target, peer: "203.0.113.7",
            header: headers(["Host": "hooks.example.com", "X-Forwarded-Proto": "https",
                             "X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "443"]))
        #expect(url == "http://hooks.example.com/callbacks/twilio?tenant=acme&name=O%27Brien")
    }

    @Test("a trusted peer's X-Forwarded-Proto, -Host and -Port are used")
    func trusted() throws {
        let url = try builder().signedURL(
            target: Self.target, peer: "10.1.2.3",
            header: headers(["host": "127.0.0.1:8080", "x-forwarded-proto": "https",
                             "x-forwarded-host": "hooks.example.com", "x-forwarded-port": "8443"]))
        #expect(url == "https://hooks.example.com:8443/callbacks/twilio?tenant=acme&name=O%27Brien")
    }

    @Test("only the first entry of a comma list counts, trimmed")
    func firstEntry() throws {
        let url = try builder().signedURL(
            target: "/cb", peer: "::1",
            header: headers(["Host": "internal", "X-Forwarded-Proto": " https , http",
                             "X-Forwarded-Host": " hooks.example.com ,proxy2.internal", "X-Forwarded-Port": "8443, 80"]))
        #expect(url == "https://hooks.example.com:8443/cb")
    }

    @Test("a trusted peer without X-Forwarded-Host falls back to Host; without -Proto to http")
    func fallbacks() throws {
        #expect(try builder().signedURL(target: "/cb", peer: "10.0.0.1",
                                        header: headers(["Host": "hooks.example.com", "X-Forwarded-Proto": "https"]))
            == "https://hooks.example.com/cb")
        #expect(try builder().signedURL(target: "/cb", peer: "10.0.0.1", header: headers(["Host": "hooks.example.com:8080"]))
            == "http://hooks.example.com:8080/cb")
    }

    @Test("the forwarded port replaces the host's port, and a default port is left out")
    func portHandling() throws {
        let b = try builder()
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1",
                            header: headers(["X-Forwarded-Proto": "https", "X-Forwarded-Host": "h.example:8080", "X-Forwarded-Port": "443"]))
            == "https://h.example/cb")
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1",
                            header: headers(["X-Forwarded-Proto": "http", "X-Forwarded-Host": "h.example", "X-Forwarded-Port": "80"]))
            == "http://h.example/cb")
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1",
                            header: headers(["X-Forwarded-Proto": "http", "X-Forwarded-Host": "h.example", "X-Forwarded-Port": "443"]))
            == "http://h.example:443/cb")
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1",
                            header: headers(["X-Forwarded-Proto": "https", "X-Forwarded-Host": "h.example:8443"]))
            == "https://h.example:8443/cb")
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1",
                            header: headers(["X-Forwarded-Proto": "https", "Host": "[2001:db8::1]:8080", "X-Forwarded-Port": "9443"]))
            == "https://[2001:db8::1]:9443/cb")
        // A port that is not a number is ignored.
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1",
                            header: headers(["X-Forwarded-Proto": "https", "X-Forwarded-Host": "h.example", "X-Forwarded-Port": "x"]))
            == "https://h.example/cb")
    }

    @Test("a forwarded scheme other than http or https is ignored; its case is not")
    func schemeValues() throws {
        let b = try builder()
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1", header: headers(["Host": "h", "X-Forwarded-Proto": "HTTPS"])) == "https://h/cb")
        #expect(b.signedURL(target: "/cb", peer: "10.0.0.1", header: headers(["Host": "h", "X-Forwarded-Proto": "javascript"])) == "http://h/cb")
    }

    @Test("an IPv4-mapped trusted peer counts as trusted")
    func mappedPeer() throws {
        #expect(try builder().signedURL(target: "/cb", peer: "::ffff:10.0.0.5",
                                        header: headers(["Host": "i", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "h"]))
            == "https://h/cb")
    }

    @Test("without a Host header the URL has an empty host (and no signature will match)")
    func noHost() throws {
        #expect(try builder().signedURL(target: "/cb", peer: "203.0.113.1", header: headers([:])) == "http:///cb")
    }

    @Test("a signature made for the public URL verifies through a trusted proxy's rebuild")
    func endToEnd() throws {
        let pairs = [FormPair("BundleSid", "BU" + String(repeating: "a", count: 32)), FormPair("Status", "in-review")]
        let signature = TwilioSignature.compute(url: "https://hooks.example.com" + Self.target, pairs: pairs, token: "t")
        let url = try builder().signedURL(
            target: Self.target, peer: "10.0.0.1",
            header: headers(["Host": "127.0.0.1:8080", "X-Forwarded-Proto": "https",
                             "X-Forwarded-Host": "hooks.example.com", "X-Forwarded-Port": "443"]))
        #expect(SignatureCheck.verify(signatureHeader: signature, url: url, kind: .form, rawBody: [],
                                      form: FormBody(pairs: pairs), tokens: ["t"]) == .valid)
    }
}

@Suite("Signature: URLs in logs")
struct SignedURLRedactionTests {
    @Test("credentials in a signed URL are masked before it is logged")
    func masksCredentials() {
        #expect(SignedURLParts.redacted("https://user:secret@hooks.example.com/cb?x=1") == "https://***@hooks.example.com/cb?x=1")
        #expect(SignedURLParts.redacted("https://hooks.example.com/cb") == "https://hooks.example.com/cb")
    }
}
