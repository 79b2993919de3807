import Testing
@testable import StatushookCore

@Suite("Signature: URL port variants")
struct SignatureURLVariantsTests {
    @Test("https without a port: also with :443")
    func httpsAddsDefault() {
        #expect(TwilioSignature.urlVariants("https://example.com/cb?x=1")
            == ["https://example.com/cb?x=1", "https://example.com:443/cb?x=1"])
    }

    @Test("http without a port: also with :80")
    func httpAddsDefault() {
        #expect(TwilioSignature.urlVariants("http://example.com/cb") == ["http://example.com/cb", "http://example.com:80/cb"])
    }

    @Test("the scheme's case does not matter for the default port")
    func schemeCase() {
        #expect(TwilioSignature.urlVariants("HTTPS://example.com/cb") == ["HTTPS://example.com/cb", "HTTPS://example.com:443/cb"])
    }

    @Test("with :443, :80 or a custom port: also without it")
    func portRemoved() {
        #expect(TwilioSignature.urlVariants("https://example.com:443/cb") == ["https://example.com:443/cb", "https://example.com/cb"])
        #expect(TwilioSignature.urlVariants("http://example.com:80/cb") == ["http://example.com:80/cb", "http://example.com/cb"])
        #expect(TwilioSignature.urlVariants("https://example.com:8443/cb") == ["https://example.com:8443/cb", "https://example.com/cb"])
        #expect(TwilioSignature.urlVariants("http://example.com:443/cb") == ["http://example.com:443/cb", "http://example.com/cb"])
    }

    @Test("userinfo is kept, with a ':' in the password and a '@' encoded in it")
    func userinfoKept() {
        #expect(TwilioSignature.urlVariants("https://user:p%40ss@example.com/cb")
            == ["https://user:p%40ss@example.com/cb", "https://user:p%40ss@example.com:443/cb"])
        #expect(TwilioSignature.urlVariants("https://user:pw@example.com:8443/cb")
            == ["https://user:pw@example.com:8443/cb", "https://user:pw@example.com/cb"])
    }

    @Test("the authority ends at the first '/', '?' or '#': an '@' or ':' in the query is not userinfo or port")
    func authorityEnds() {
        #expect(TwilioSignature.urlVariants("https://example.com?to=a@b.c:1")
            == ["https://example.com?to=a@b.c:1", "https://example.com:443?to=a@b.c:1"])
        #expect(TwilioSignature.urlVariants("https://example.com#x:1") == ["https://example.com#x:1", "https://example.com:443#x:1"])
        #expect(TwilioSignature.urlVariants("https://example.com") == ["https://example.com", "https://example.com:443"])
    }

    @Test("path and query are kept byte for byte: %27 stays %27, ' stays ', + stays +")
    func restVerbatim() {
        let url = "https://example.com/a%2Fb/c?name=O%27Brien&q=it's+a%20test&x=%E9"
        #expect(TwilioSignature.urlVariants(url)
            == [url, "https://example.com:443/a%2Fb/c?name=O%27Brien&q=it's+a%20test&x=%E9"])
    }

    @Test("non-ASCII and combining marks right after a delimiter do not move the delimiter")
    func combiningMarks() {
        let url = "https://example.com/\u{301}caf\u{E9}?q=\u{301}"
        #expect(TwilioSignature.urlVariants(url) == [url, "https://example.com:443/\u{301}caf\u{E9}?q=\u{301}"])
    }

    @Test("IPv6 hosts keep their brackets")
    func ipv6() {
        #expect(TwilioSignature.urlVariants("http://[::1]/cb") == ["http://[::1]/cb", "http://[::1]:80/cb"])
        #expect(TwilioSignature.urlVariants("http://[::1]:8080/cb") == ["http://[::1]:8080/cb", "http://[::1]/cb"])
    }

    @Test("an empty port (host:) counts as a port and is dropped")
    func emptyPort() {
        #expect(TwilioSignature.urlVariants("https://example.com:/cb") == ["https://example.com:/cb", "https://example.com/cb"])
    }

    @Test("other schemes and texts that are not absolute URLs have no variant")
    func noVariant() {
        #expect(TwilioSignature.urlVariants("ftp://example.com/cb") == ["ftp://example.com/cb"])
        #expect(TwilioSignature.urlVariants("/callbacks/twilio") == ["/callbacks/twilio"])
        #expect(TwilioSignature.urlVariants("") == [""])
        #expect(TwilioSignature.urlVariants("example.com:443/cb") == ["example.com:443/cb"])
    }

    @Test("the pieces of a URL put back together are the URL")
    func partsRoundTrip() throws {
        for url in ["https://u:p@h:1/p?q#f", "http://[fe80::1]:80", "https://h", "https://h:/x", "http://a@b@c/d"] {
            let parts = try #require(SignedURLParts(url))
            #expect(parts.text == url)
        }
        let parts = try #require(SignedURLParts("https://a@b@c:9/d"))
        #expect(parts.userinfo == "a@b")
        #expect(parts.host == "c")
        #expect(parts.port == "9")
    }

    @Test("the raw query is what lies between '?' and '#'")
    func rawQuery() {
        #expect(SignedURLParts.rawQuery(of: "https://h/p?a=1&b=2#frag") == "a=1&b=2")
        #expect(SignedURLParts.rawQuery(of: "https://h/p") == nil)
        #expect(SignedURLParts.rawQuery(of: "https://h/p?") == "")
    }
}
