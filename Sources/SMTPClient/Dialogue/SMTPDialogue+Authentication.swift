import Foundation

/// `AUTH PLAIN` (RFC 4616, with an initial response) and `AUTH LOGIN`, PLAIN preferred.
/// Credentials go only over TLS unless `allowPlaintextAuth` says otherwise; they never appear
/// in a command's description or in an error.
extension SMTPDialogue {
    static let supportedMechanisms = ["PLAIN", "LOGIN"]

    mutating func authenticateOrBeReady() -> Action {
        guard let credentials = configuration.credentials else { return ready() }
        guard isSecured || configuration.allowPlaintextAuth else {
            return fail(SMTPError(
                .plaintextAuthRefused, transient: false,
                message: "refusing to send the password for \(credentials.username) to \(configuration.server) "
                    + "over a connection without TLS (use tls = starttls or implicit, or allow plaintext auth)"
            ))
        }
        let offered = capabilities.authMechanisms
        if offered.contains("PLAIN") {
            state = .authPlain
            let response = Self.base64([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
            return .send(SMTPCommand(line: "AUTH PLAIN \(response)", description: "AUTH PLAIN"))
        }
        if offered.contains("LOGIN") {
            state = .authLogin(.command)
            return .send(SMTPCommand(line: "AUTH LOGIN"))
        }
        let what = offered.isEmpty
            ? "does not offer AUTH"
            : "offers AUTH \(offered.joined(separator: " ")) but not PLAIN or LOGIN"
        return fail(SMTPError(
            .authenticationUnavailable, transient: false,
            message: "credentials are configured but the server \(configuration.server) \(what)"
        ))
    }

    mutating func receiveAuthentication(_ reply: SMTPReply) -> Action {
        let username = configuration.credentials?.username ?? ""
        switch state {
        case .authPlain:
            guard reply.isPositiveCompletion else { return fail(reply, "AUTH PLAIN as \(username)") }
            return ready()
        case .authLogin(.command):
            guard reply.isPositiveIntermediate else { return fail(reply, "AUTH LOGIN") }
            state = .authLogin(.username)
            return .send(SMTPCommand(line: Self.base64(Array(username.utf8)), description: "the AUTH LOGIN user name"))
        case .authLogin(.username):
            guard reply.isPositiveIntermediate else { return fail(reply, "the AUTH LOGIN user name \(username)") }
            state = .authLogin(.password)
            let password = configuration.credentials?.password ?? ""
            return .send(SMTPCommand(line: Self.base64(Array(password.utf8)), description: "the AUTH LOGIN password"))
        case .authLogin(.password):
            guard reply.isPositiveCompletion else { return fail(reply, "AUTH LOGIN as \(username)") }
            return ready()
        default:
            return fail(SMTPError.unexpected(reply, to: "authentication"))
        }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
