@testable import HTTPClient
import Testing

@Suite("HTTPClient: response header lines")
struct ResponseHeaderParserTests {
    func parse(_ lines: [String]) -> [(String, String)] {
        var parser = ResponseHeaderParser()
        for line in lines {
            parser.consume(Array(line.utf8))
        }
        return parser.fields
    }

    @Test("fields keep their order and names; values are trimmed")
    func fields() {
        let fields = parse(["HTTP/1.1 200 OK\r\n", "Content-Type:  application/json \r\n", "X-A:1\r\n", "x-a: 2\r\n", "\r\n"])
        #expect(fields.map(\.0) == ["Content-Type", "X-A", "x-a"])
        #expect(fields.map(\.1) == ["application/json", "1", "2"])
    }

    @Test("an interim 100 Continue block is dropped: only the final response's fields remain")
    func interimBlock() {
        let fields = parse(["HTTP/1.1 100 Continue\r\n", "X-Interim: yes\r\n", "\r\n",
                            "HTTP/1.1 429 Too Many Requests\r\n", "Retry-After: 7\r\n", "\r\n"])
        #expect(fields.map(\.0) == ["Retry-After"])
    }

    @Test("a folded line continues the previous value; a line without a colon is ignored")
    func foldedAndJunk() {
        let fields = parse(["HTTP/1.1 200 OK\r\n", "X-Long: a\r\n", "\t b\r\n", "garbage\r\n", ": no name\r\n", "\r\n"])
        #expect(fields.count == 1)
        #expect(fields.first?.1 == "a b")
    }

    @Test("HTTP/2 status lines reset too")
    func http2() {
        #expect(parse(["HTTP/2 200\r\n", "a: 1\r\n", "HTTP/2 204\r\n", "b: 2\r\n"]).map(\.0) == ["b"])
    }

    @Test("a response's header lookup ignores ASCII case and returns the first value")
    func lookup() {
        let response = HTTPClientResponse(status: 200, headers: [("Retry-After", "1"), ("retry-after", "2")], body: [])
        #expect(response.header("RETRY-AFTER") == "1")
        #expect(response.header("Location") == nil)
    }
}
