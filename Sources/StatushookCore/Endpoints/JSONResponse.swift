import HTTPServer

/// An answer whose body is JSON: every answer statushook gives, success or error.
enum JSONResponse {
    static func make(_ status: Int, _ body: JSONValue, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body.bytes)
    }
}
