import Foundation
import Hashing
import HTTPServer

/// A configured HTTP Basic pair, the one check every endpoint that takes one makes, and its 401.
struct BasicCredentials: Sendable, Equatable {
    /// `user:password`, as the header carries it once decoded.
    private let expected: [UInt8]

    init(username: String, password: String) {
        expected = Array("\(username):\(password)".utf8)
    }

    /// True when `authorization` is `Basic` (any case) with exactly this pair, compared in constant time.
    func authorize(_ authorization: String?) -> Bool {
        guard let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic " else { return false }
        let encoded = authorization.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let decoded = Data(base64Encoded: encoded) else { return false }
        return Digest.constantTimeEqual(Array(decoded), expected)
    }

    /// The 401 for missing or wrong credentials, with the `WWW-Authenticate` that makes a client
    /// (Twilio among them) try again with its credentials.
    static func challenge(_ what: String) -> HTTPResponse {
        TwilioErrorResponse.make(401, "\(what) credentials are missing or wrong",
                                 headers: [("WWW-Authenticate", "Basic realm=\"statushook\"")])
    }
}
