import Foundation
import Hashing
import HTTPServer

/// The parts of the configuration that decide how a callback is checked, derived once per
/// (re)load so that a request does no parsing of settings.
struct CallbackPolicy: Sendable {
    var callbackPath: String
    let maxBodyBytes: Int
    /// Set when callback basic auth is on.
    var basicCredentials: BasicCredentials?
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
            basicCredentials = BasicCredentials(username: user, password: password)
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
        basicCredentials?.authorize(authorization) ?? true
    }
}

extension TokenSelection {
    init(_ configuration: Configuration) {
        self.init(authToken: configuration.authToken, authTokenPrevious: configuration.authTokenPrevious,
                  accounts: configuration.accountTokens)
    }
}
