/// The client side of one SMTP session as a value: fed the server's replies, it says what to
/// do next. It does no I/O; `SMTPClient` performs its actions on a socket.
///
/// A session runs greeting → `EHLO` → (`STARTTLS` → handshake → `EHLO`) → (`AUTH`) → ready,
/// then any number of transactions `MAIL` → one `RCPT` per recipient → `DATA` → message,
/// with `RSET` before each one after the first, and finally `QUIT`. Any failure ends the
/// session (`.fail`); the caller closes the connection.
public struct SMTPDialogue: Sendable {
    /// What the dialogue needs from the settings.
    public struct Configuration: Sendable, Equatable {
        public var tls: SMTPTLSMode
        public var hello: String
        public var credentials: SMTPCredentials?
        public var allowPlaintextAuth: Bool
        /// `host:port`, named in errors.
        public var server: String

        public init(
            tls: SMTPTLSMode, hello: String, credentials: SMTPCredentials? = nil,
            allowPlaintextAuth: Bool = false, server: String
        ) {
            self.tls = tls
            self.hello = hello
            self.credentials = credentials
            self.allowPlaintextAuth = allowPlaintextAuth
            self.server = server
        }
    }

    /// One message to deliver: the envelope and the rendered message (not yet dot-stuffed).
    public struct Transaction: Sendable, Equatable {
        public var envelope: SMTPEnvelope
        public var message: [UInt8]

        public init(envelope: SMTPEnvelope, message: [UInt8]) {
            self.envelope = envelope
            self.message = message
        }
    }

    public enum Action: Sendable, Equatable {
        /// Write the command, then feed the server's reply to `receive(_:)`.
        case send(SMTPCommand)
        /// Run the TLS handshake on the connection, then call `tlsEstablished()`.
        case startTLS
        /// The session is ready for `submit(_:)` or `quit()`.
        case ready
        /// The server accepted the message; the session is ready for the next one.
        case delivered(SMTPDeliveryReport)
        /// The session is over: close the connection and report the error.
        case fail(SMTPError)
        /// The session ended normally: close the connection.
        case close
    }

    enum LoginStep: Sendable, Equatable { case command, username, password }

    enum State: Sendable, Equatable {
        case greeting
        case ehlo
        case helo
        case startTLS
        case handshake
        case authPlain
        case authLogin(LoginStep)
        case idle
        case reset(Transaction)
        case mail(Transaction)
        case recipient(Transaction, index: Int, accepted: [String], refused: [SMTPDeliveryReport.Refusal])
        case data(Transaction, accepted: [String], refused: [SMTPDeliveryReport.Refusal])
        case payload(accepted: [String], refused: [SMTPDeliveryReport.Refusal])
        case quit
        case closed
    }

    let configuration: Configuration
    var state = State.greeting
    /// From the latest `EHLO` reply (the one after STARTTLS replaces the plaintext one).
    public private(set) var capabilities = SMTPCapabilities()
    /// True once the connection is encrypted (from the start in implicit mode).
    public private(set) var isSecured: Bool
    /// Transactions completed on this session: from the second on, `RSET` goes first.
    public private(set) var deliveredCount = 0
    private var startedTLS = false

    /// True from the `RSET` that opens a transaction on a reused session until its `MAIL FROM`:
    /// a failure in that window (a broken connection, a 421) means the server dropped the idle
    /// session before any byte of this message was sent, so a fresh connection cannot deliver
    /// it twice.
    public private(set) var isProbingReusedSession = false

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.isSecured = configuration.tls == .implicit
    }

    /// The next step after the server's reply to the last command (or its greeting).
    public mutating func receive(_ reply: SMTPReply) -> Action {
        switch state {
        case .greeting:
            guard reply.isPositiveCompletion else { return fail(reply, "the greeting") }
            return sendEHLO()
        case .ehlo:
            if reply.isPositiveCompletion {
                capabilities = SMTPCapabilities(ehlo: reply)
                return afterHello()
            }
            if reply.isPermanentFailure && !startedTLS {
                // RFC 5321 §3.2: a server that does not know EHLO gets HELO (no extensions).
                state = .helo
                return .send(SMTPCommand(line: "HELO \(configuration.hello)"))
            }
            return fail(reply, "EHLO")
        case .helo:
            guard reply.isPositiveCompletion else { return fail(reply, "HELO") }
            capabilities = SMTPCapabilities()
            return afterHello()
        case .startTLS:
            guard reply.isPositiveCompletion else { return fail(reply, "STARTTLS") }
            state = .handshake
            return .startTLS
        case .authPlain, .authLogin:
            return receiveAuthentication(reply)
        case .reset(let transaction):
            guard reply.isPositiveCompletion else { return fail(reply, "RSET") }
            return sendMail(transaction)
        case .mail(let transaction):
            guard reply.isPositiveCompletion else { return fail(reply, "MAIL FROM:<\(transaction.envelope.from)>") }
            return sendRecipient(transaction, index: 0, accepted: [], refused: [])
        case .recipient(let transaction, let index, var accepted, var refused):
            return receiveRecipient(reply, transaction, index, &accepted, &refused)
        case .data(let transaction, let accepted, let refused):
            guard reply.isPositiveIntermediate else { return fail(reply, "DATA") }
            state = .payload(accepted: accepted, refused: refused)
            return .send(SMTPCommand(data: SMTPDataEncoding.dotStuffed(transaction.message)))
        case .payload(let accepted, let refused):
            guard reply.isPositiveCompletion else { return fail(reply, "the end of the message data") }
            state = .idle
            deliveredCount += 1
            return .delivered(SMTPDeliveryReport(accepted: accepted, refused: refused, finalReply: reply))
        case .quit, .closed:
            state = .closed
            return .close
        case .idle, .handshake:
            return fail(SMTPError.unexpected(reply, to: "nothing (no command was pending)"))
        }
    }

    /// The handshake after `STARTTLS` succeeded: say `EHLO` again (RFC 3207 §4.2).
    public mutating func tlsEstablished() -> Action {
        guard state == .handshake else { return misuse("tlsEstablished() without a pending handshake") }
        isSecured = true
        startedTLS = true
        capabilities = SMTPCapabilities()
        return sendEHLO()
    }

    /// Starts a transaction on a ready session.
    public mutating func submit(_ transaction: Transaction) -> Action {
        guard state == .idle else { return misuse("submit(_:) before the session was ready") }
        do throws(SMTPError) {
            try Self.validate(transaction.envelope)
        } catch {
            return fail(error)
        }
        if let limit = capabilities.sizeLimit, transaction.message.count > limit {
            return fail(SMTPError(
                .messageTooLarge, transient: false,
                message: "the message has \(transaction.message.count) bytes and \(configuration.server) accepts at most \(limit)"
            ))
        }
        if deliveredCount > 0 {
            state = .reset(transaction)
            isProbingReusedSession = true
            return .send(SMTPCommand(line: "RSET"))
        }
        return sendMail(transaction)
    }

    /// Ends a ready session politely; in any other state the connection is simply closed.
    public mutating func quit() -> Action {
        guard state == .idle else {
            state = .closed
            return .close
        }
        state = .quit
        return .send(SMTPCommand(line: "QUIT"))
    }

    /// The sender and every recipient are addresses that cannot end the command line.
    public static func validate(_ envelope: SMTPEnvelope) throws(SMTPError) {
        try SMTPAddress.validate(envelope.from, role: "envelope sender")
        if envelope.recipients.isEmpty {
            throw .invalidAddress("the envelope has no recipient")
        }
        for recipient in envelope.recipients {
            try SMTPAddress.validate(recipient, role: "recipient")
        }
    }

    // MARK: - Steps

    private mutating func sendEHLO() -> Action {
        state = .ehlo
        return .send(SMTPCommand(line: "EHLO \(configuration.hello)"))
    }

    private mutating func afterHello() -> Action {
        guard configuration.tls == .starttls, !isSecured else { return authenticateOrBeReady() }
        guard capabilities.offersStartTLS else {
            return fail(SMTPError(
                .startTLSUnavailable, transient: false,
                message: "the server \(configuration.server) does not offer STARTTLS, which tls = starttls requires"
            ))
        }
        state = .startTLS
        return .send(SMTPCommand(line: "STARTTLS"))
    }

    private mutating func sendMail(_ transaction: Transaction) -> Action {
        state = .mail(transaction)
        isProbingReusedSession = false
        return .send(SMTPCommand(line: "MAIL FROM:<\(transaction.envelope.from)>"))
    }

    private mutating func sendRecipient(
        _ transaction: Transaction, index: Int, accepted: [String], refused: [SMTPDeliveryReport.Refusal]
    ) -> Action {
        state = .recipient(transaction, index: index, accepted: accepted, refused: refused)
        return .send(SMTPCommand(line: "RCPT TO:<\(transaction.envelope.recipients[index])>"))
    }

    /// Accepted and refused recipients are collected; the message goes to the accepted ones.
    /// Only when every recipient is refused does the transaction fail (transient if any
    /// refusal was 4yz). A 421 means the server is closing the session, whatever the recipient.
    private mutating func receiveRecipient(
        _ reply: SMTPReply, _ transaction: Transaction, _ index: Int,
        _ accepted: inout [String], _ refused: inout [SMTPDeliveryReport.Refusal]
    ) -> Action {
        let recipient = transaction.envelope.recipients[index]
        if reply.isPositiveCompletion {
            accepted.append(recipient)
        } else if (reply.isTransientFailure || reply.isPermanentFailure) && reply.code != 421 {
            refused.append(SMTPDeliveryReport.Refusal(recipient: recipient, reply: reply))
        } else {
            return fail(reply, "RCPT TO:<\(recipient)>")
        }
        if index + 1 < transaction.envelope.recipients.count {
            return sendRecipient(transaction, index: index + 1, accepted: accepted, refused: refused)
        }
        guard !accepted.isEmpty else {
            let details = refused.map { "RCPT TO:<\($0.recipient)> \($0.reply)" }.joined(separator: "; ")
            return fail(SMTPError(
                .rejected, transient: refused.contains(where: \.isTransient), replyCode: refused.first?.reply.code,
                message: "the server refused every recipient: \(details)"
            ))
        }
        state = .data(transaction, accepted: accepted, refused: refused)
        return .send(SMTPCommand(line: "DATA"))
    }

    mutating func fail(_ reply: SMTPReply, _ step: String) -> Action {
        let error = reply.isTransientFailure || reply.isPermanentFailure
            ? SMTPError.reply(reply, to: step) : SMTPError.unexpected(reply, to: step)
        return fail(error)
    }

    mutating func fail(_ error: SMTPError) -> Action {
        state = .closed
        return .fail(error)
    }

    mutating func ready() -> Action {
        state = .idle
        return .ready
    }

    private mutating func misuse(_ what: String) -> Action {
        fail(SMTPError(.protocolViolation, transient: false, message: "SMTPDialogue misused: \(what)"))
    }
}
