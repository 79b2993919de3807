/// Which auth tokens may sign a callback (docs/contract.md §1.6).
public struct TokenSelection: Sendable, Equatable {
    /// `auth_token` then `auth_token_previous`, empty ones left out.
    private let defaultTokens: [String]
    /// Per AccountSid (normalized, see `normalize`): that account's non-empty tokens, never empty.
    private let accountTokens: [String: [String]]

    /// `accounts` is keyed by AccountSid. Empty tokens count as absent; an account left with no
    /// token is as if it were not configured.
    public init(authToken: String?, authTokenPrevious: String?, accounts: [String: AccountTokens] = [:]) {
        defaultTokens = Self.candidates(authToken, authTokenPrevious)
        var byAccount: [String: [String]] = [:]
        for (sid, tokens) in accounts {
            let candidates = Self.candidates(tokens.current, tokens.previous)
            if !candidates.isEmpty { byAccount[Self.normalize(sid), default: []] += candidates }
        }
        accountTokens = byAccount
    }

    /// For an AccountSid with its own tokens: only those (current first). Otherwise `auth_token`
    /// then `auth_token_previous`. Empty when nothing is configured: the callback is refused.
    public func tokens(forAccountSid accountSid: String?) -> [String] {
        if let accountSid, let tokens = accountTokens[Self.normalize(accountSid)] {
            return tokens
        }
        return defaultTokens
    }

    private static func candidates(_ current: String?, _ previous: String?) -> [String] {
        var out: [String] = []
        for token in [current, previous] {
            if let token, !token.isEmpty, !out.contains(token) { out.append(token) }
        }
        return out
    }

    /// Twilio writes SIDs as a two-letter prefix and lowercase hex; a config written with
    /// uppercase hex still names the same account.
    private static func normalize(_ sid: String) -> String {
        String(sid.prefix(2)) + sid.dropFirst(2).lowercased()
    }
}
