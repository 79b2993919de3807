import Foundation

/// Sends messages to one SMTP server, keeping the session open between sends for bursts.
///
/// Blocking: every call does its network I/O on the caller's thread, bounded by
/// `settings.timeout` per step; call it from a thread you own, never from Swift's cooperative
/// pool. `@unchecked Sendable` because all mutable state is guarded by `lock`: calls from
/// several threads are safe and take turns on the one session.
///
/// Session reuse: an open session is reused while it has been idle less than
/// `settings.idleTimeout`; a send on a reused session starts with `RSET`, and if the server
/// dropped the session meanwhile (the `RSET` fails), the send reconnects once, transparently.
/// Any error closes the session.
public final class SMTPClient: @unchecked Sendable {
    public let settings: SMTPSettings
    private let lock = NSLock()
    /// The open session, if any; nil after an error, `close()` or an idle timeout.
    private var session: Session?
    /// Made on the first TLS connection and kept: loading the CA store is not free.
    private var tlsContext: TLSContext?

    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    deinit {
        session?.connection.close()
    }

    /// Delivers `message` to the envelope's recipients.
    ///
    /// Some recipients refused and others accepted: the message goes to the accepted ones and
    /// the report lists the refused with the server's replies. Every recipient refused: an
    /// error, transient if any refusal was 4yz.
    @discardableResult
    public func send(_ message: SMTPMessage, envelope: SMTPEnvelope) throws(SMTPError) -> SMTPDeliveryReport {
        try send(SMTPDialogue.Transaction(envelope: envelope, message: message.rendered()))
    }

    /// Ends the session politely (`QUIT`), if one is open.
    public func close() {
        lock.withLock {
            if let session { quit(session) }
            session = nil
        }
    }

    /// Closes the session if it has been idle for `settings.idleTimeout`; for callers that
    /// wake up periodically and do not want to hold a connection the server will drop.
    public func closeIfIdle() {
        lock.withLock {
            guard let current = session, current.isIdle(longerThan: settings.idleTimeout) else { return }
            quit(current)
            session = nil
        }
    }

    /// True while a session is open (for tests and metrics).
    public var hasOpenSession: Bool {
        lock.withLock { session != nil }
    }

    func send(_ transaction: SMTPDialogue.Transaction) throws(SMTPError) -> SMTPDeliveryReport {
        // A bad envelope is the caller's mistake: refused before it can cost the session.
        try SMTPDialogue.validate(transaction.envelope)
        lock.lock()
        defer { lock.unlock() }
        if let idle = session, idle.isIdle(longerThan: settings.idleTimeout) {
            quit(idle)
            session = nil
        }
        let reused = session != nil
        var current: Session
        if let session { current = session } else { current = try openSession() }
        session = nil
        do throws(SMTPError) {
            let report = try deliver(transaction, on: &current)
            session = current
            return report
        } catch where reused && error.isTransient && current.dialogue.isProbingReusedSession {
            current.connection.close()
        } catch {
            abandon(current, after: error)
            throw error
        }
        var fresh = try openSession()
        do throws(SMTPError) {
            let report = try deliver(transaction, on: &fresh)
            session = fresh
            return report
        } catch {
            abandon(fresh, after: error)
            throw error
        }
    }

    // MARK: - Session steps

    private func openSession() throws(SMTPError) -> Session {
        try SMTPAddress.validateHello(settings.hello)
        let connection: SMTPConnection
        do throws(SMTPError) {
            connection = try SMTPConnection.connect(
                host: settings.host, port: settings.port, server: settings.server,
                deadline: Deadline(after: settings.timeout))
        } catch {
            throw error.during("connecting", settings)
        }
        var session = Session(connection: connection, dialogue: SMTPDialogue(SMTPDialogue.Configuration(
            tls: settings.tls, hello: settings.hello, credentials: settings.credentials,
            allowPlaintextAuth: settings.allowPlaintextAuth, server: settings.server
        )))
        do throws(SMTPError) {
            if settings.tls == .implicit { try startTLS(on: &session) }
            let greeting = try session.readReply(settings, step: "the greeting")
            switch try run(session.dialogue.receive(greeting), on: &session) {
            case .ready: return session
            default: throw SMTPError(.protocolViolation, transient: false, message: "the session did not become ready")
            }
        } catch {
            abandon(session, after: error)
            throw error
        }
    }

    private func deliver(_ transaction: SMTPDialogue.Transaction, on session: inout Session) throws(SMTPError) -> SMTPDeliveryReport {
        switch try run(session.dialogue.submit(transaction), on: &session) {
        case .delivered(let report):
            session.lastUsed = .now
            return report
        default:
            throw SMTPError(.protocolViolation, transient: false, message: "the transaction ended without a reply to the data")
        }
    }

    /// Performs `send` and `startTLS` actions until the dialogue settles, and returns that action.
    private func run(_ first: SMTPDialogue.Action, on session: inout Session) throws(SMTPError) -> SMTPDialogue.Action {
        var action = first
        while true {
            switch action {
            case .send(let command):
                let reply = try session.exchange(command, settings)
                action = session.dialogue.receive(reply)
            case .startTLS:
                try startTLS(on: &session)
                action = session.dialogue.tlsEstablished()
            case .fail(let error):
                throw error
            case .ready, .delivered, .close:
                return action
            }
        }
    }

    private func startTLS(on session: inout Session) throws(SMTPError) {
        guard session.parser.isEmpty else {
            throw SMTPError(.protocolViolation, transient: false,
                            message: "\(settings.server) sent data after agreeing to STARTTLS, before the handshake")
        }
        let context: TLSContext
        if let tlsContext {
            context = tlsContext
        } else {
            context = try TLSContext(additionalTrustedCertificatesFile: settings.additionalTrustedCertificatesFile)
            tlsContext = context
        }
        do throws(SMTPError) {
            try session.connection.startTLS(context: context, host: settings.host, deadline: Deadline(after: settings.timeout))
        } catch {
            throw error.during("performing the TLS handshake", settings)
        }
    }

    /// `QUIT`, awaiting the answer briefly, then close.
    private func quit(_ session: Session) {
        var session = session
        if case .send(let command) = session.dialogue.quit() {
            var brief = settings
            brief.timeout = min(settings.timeout, .seconds(2))
            _ = try? session.exchange(command, brief)
        }
        session.connection.close()
    }

    /// Closes after a failure; a server that is still in step is told `QUIT` without waiting.
    private func abandon(_ session: Session, after error: SMTPError) {
        let connectionBroken: Set<SMTPError.Code> = [.connectionClosed, .connectionFailed, .timeout, .tlsFailed, .certificateRejected]
        if !connectionBroken.contains(error.code) {
            try? session.connection.write(Array("QUIT\r\n".utf8), deadline: Deadline(after: .milliseconds(200)))
        }
        session.connection.close()
    }
}
