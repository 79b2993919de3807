import HTTPServer

/// Error bodies in Twilio's shape: `{"code", "message", "more_info", "status"}`.
///
/// Codes are 20000 + the HTTP status, the pattern of Twilio's own generic codes (20404 is
/// Twilio's "resource not found", 20403 "forbidden", 20503 "service unavailable").
enum TwilioErrorResponse {
    static func make(_ status: Int, _ message: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        let code = 20000 + status
        let body = JSONValue.object([
            ("code", .int(Int64(code))),
            ("message", .string(message)),
            ("more_info", .string("https://www.twilio.com/docs/errors/\(code)")),
            ("status", .int(Int64(status))),
        ])
        return JSONResponse.make(status, body, headers: headers)
    }
}
