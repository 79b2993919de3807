/// A client that went past one of the server's limits, told to the application (to log and
/// count it). Never carries a header value or a body byte.
public struct HTTPLimitBreach: Sendable, Equatable {
    public enum Reason: String, Sendable, CaseIterable {
        /// The whole request did not arrive within the request timeout; the connection was cut.
        case requestTimeout = "request_timeout"
        /// A body without a length went far past its limit; the connection was cut, unanswered.
        case bodyTooLarge = "body_too_large"
        /// The request line and headers were over the limit; answered 431.
        case headersTooLarge = "headers_too_large"
    }

    public var reason: Reason
    /// The numeric address of the peer.
    public var peer: String

    public init(reason: Reason, peer: String) {
        self.reason = reason
        self.peer = peer
    }
}
