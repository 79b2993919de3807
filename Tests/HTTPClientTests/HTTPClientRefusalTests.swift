import HTTPClient
import Testing

@Suite("HTTPClient: what it refuses to send")
struct HTTPClientRefusalTests {
    func error(url: String, headers: [(String, String)] = []) -> HTTPClientError? {
        HTTPClient().attempt(url: url, headers: headers, timeout: .seconds(2)).failure
    }

    @Test("a header value holding CR or LF is refused before anything is sent",
          arguments: ["a\r\nX-Injected: 1", "a\nb", "a\rb"])
    func headerInjection(_ value: String) {
        let error = error(url: "http://127.0.0.1:9/", headers: [("X-Value", value)])
        #expect(error?.kind == .other)
        #expect(error?.message.contains("X-Value") == true)
    }

    @Test("a header name that is not a token is refused", arguments: ["", "Bad Name", "a:b", "é"])
    func badHeaderName(_ name: String) {
        #expect(error(url: "http://127.0.0.1:9/", headers: [(name, "v")])?.kind == .other)
    }

    @Test("schemes other than http and https are refused", arguments: ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/"])
    func otherSchemes(_ url: String) {
        #expect(error(url: url)?.kind == .other)
    }

    @Test("a malformed URL is an error, not a crash")
    func malformedURL() {
        #expect(error(url: "http://[::1")?.kind == .other)
    }
}
