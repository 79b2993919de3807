/// Why a send failed, and whether trying again later may succeed.
///
/// The split follows SMTP's own reply classes: a `4yz` reply, a broken connection or a timeout
/// is transient; a `5yz` reply is permanent, and so is anything that retrying cannot change
/// (a bad address, a server that does not offer the STARTTLS the settings require). A
/// certificate that does not verify is transient, as for a webhook: a renewal ends it.
/// Messages never contain the password.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for callers that branch on it.
    public enum Code: Sendable, Equatable {
        /// The server answered a command with a `4yz` or `5yz` reply (`replyCode` says which).
        case rejected
        /// Name resolution or TCP connect failed.
        case connectionFailed
        /// The connection broke or the server closed it mid-dialogue.
        case connectionClosed
        /// The server did not answer (or accept bytes) within the timeout.
        case timeout
        /// The TLS handshake or a TLS read/write failed.
        case tlsFailed
        /// The server's certificate does not verify for the host name.
        case certificateRejected
        /// The settings require STARTTLS and the server does not offer it.
        case startTLSUnavailable
        /// Credentials are set but the connection is not encrypted and plaintext AUTH is not allowed.
        case plaintextAuthRefused
        /// Credentials are set but the server offers no mechanism this client speaks (PLAIN, LOGIN).
        case authenticationUnavailable
        /// The server broke the protocol (malformed or unexpected reply).
        case protocolViolation
        /// An address in the envelope or a header is not one this client will send.
        case invalidAddress
        /// The message cannot be rendered (a bad header name, Message-ID, …).
        case invalidMessage
        /// The message is larger than the `SIZE` the server advertised.
        case messageTooLarge
    }

    public var code: Code
    /// True when the same send may succeed later (4yz, broken connection, timeout).
    public var isTransient: Bool
    /// The server's reply code, when a reply caused the failure.
    public var replyCode: Int?
    /// A sentence for operators: what was attempted and what the server said.
    public var message: String

    public init(_ code: Code, transient: Bool, replyCode: Int? = nil, message: String) {
        self.code = code
        self.isTransient = transient
        self.replyCode = replyCode
        self.message = message
    }

    public var description: String {
        "\(isTransient ? "transient" : "permanent") SMTP error: \(message)"
    }
}

extension SMTPError {
    /// A failure caused by a server reply: 4yz transient, anything else permanent.
    static func reply(_ reply: SMTPReply, to step: String) -> SMTPError {
        SMTPError(
            .rejected, transient: reply.isTransientFailure, replyCode: reply.code,
            message: "the server answered \(step) with \(reply)"
        )
    }

    static func unexpected(_ reply: SMTPReply, to step: String) -> SMTPError {
        SMTPError(
            .protocolViolation, transient: false, replyCode: reply.code,
            message: "unexpected reply to \(step): \(reply)"
        )
    }

    static func invalidAddress(_ message: String) -> SMTPError {
        SMTPError(.invalidAddress, transient: false, message: message)
    }

    static func invalidMessage(_ message: String) -> SMTPError {
        SMTPError(.invalidMessage, transient: false, message: message)
    }
}
