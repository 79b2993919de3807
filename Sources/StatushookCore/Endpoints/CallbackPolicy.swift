import Foundation
import Hashing
import HTTPServer

/// The parts of the configuration that decide how a callback is checked, derived once per
/// (re)load so that a request does no parsing of settings.
struct CallbackPolicy: Sendable {
    var callbackPath: String
    let maxBodyBytes: Int
    /// `user:password` bytes when callback basic auth is on.
    var basicCredentials: [UInt8]?
    var urlBuilder: SignedURLBuilder
    var tokens: TokenSelection
    var sinks: [(name: String, statuses: Set<String>?)]
    /// The 413 answer, made once from `maxBodyBytes` (both constant, so it cannot go stale):
    /// every request that may read a body carries it.
    let bodyTooLarge: HTTPResponse

    init(_ configuration: Configuration) throws {
        callbackPath = configuration.callbackPath
        maxBodyBytes = configuration.maxBodyBytes
        if let user = configuration.callbackUsername, let password = configuration.callbackPassword {
            basicCredentials = Array("\(user):\(password)".utf8)
        }
        urlBuilder = SignedURLBuilder(publicURL: configuration.publicURL,
                                      trustedProxies: try TrustedProxies(parsing: configuration.trustedProxies))
        tokens = TokenSelection(configuration)
        sinks = configuration.sinks.map { ($0.name, $0.statuses.map(Set.init)) }
        bodyTooLarge = TwilioErrorResponse.make(413, "body is larger than max_body_bytes (\(maxBodyBytes) bytes)")
    }

    /// The sinks to notify of a transition to `status`.
    func sinks(for status: String) -> [String] {
        sinks.filter { $0.statuses?.contains(status) ?? true }.map(\.name)
    }

    /// True when basic auth is off, or the `Authorization` header carries the configured pair.
    func authorizes(_ authorization: String?) -> Bool {
        guard let expected = basicCredentials else { return true }
        guard let authorization, authorization.count > 6,
              authorization.prefix(6).lowercased() == "basic " else { return false }
        let encoded = authorization.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let decoded = Data(base64Encoded: encoded) else { return false }
        return Digest.constantTimeEqual(Array(decoded), expected)
    }
}

extension TokenSelection {
    init(_ configuration: Configuration) {
        self.init(authToken: configuration.authToken, authTokenPrevious: configuration.authTokenPrevious,
                  accounts: configuration.accountTokens)
    }
}
