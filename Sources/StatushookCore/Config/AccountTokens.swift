/// One subaccount's own tokens (`account.<AccountSid>.auth_token` and `…auth_token_previous`).
///
/// A loaded configuration never holds a `previous` without a `current`.
public struct AccountTokens: Sendable, Equatable {
    public var current: String?
    public var previous: String?

    public init(current: String?, previous: String? = nil) {
        self.current = current
        self.previous = previous
    }
}
