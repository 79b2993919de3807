@testable import SMTPClient

/// Shorthands for driving an `SMTPDialogue` by hand.
extension SMTPDialogue {
    static func test(
        tls: SMTPTLSMode = .starttls, credentials: SMTPCredentials? = nil, allowPlaintextAuth: Bool = false
    ) -> SMTPDialogue {
        SMTPDialogue(Configuration(
            tls: tls, hello: "client.example.com", credentials: credentials,
            allowPlaintextAuth: allowPlaintextAuth, server: "mail.example.com:587"))
    }

    /// Feeds `code text` and returns the line it sends next (without CRLF), or nil.
    mutating func reply(_ code: Int, _ lines: String...) -> Action {
        receive(SMTPReply(code: code, lines: lines))
    }

    /// Greeting and EHLO with `extensions`; in STARTTLS mode also the STARTTLS exchange,
    /// the handshake and the second EHLO.
    mutating func establish(_ extensions: String...) -> Action {
        _ = reply(220, "mail.example.com ESMTP")
        let ehlo = ["mail.example.com"] + extensions
        var action = receive(SMTPReply(code: 250, lines: ehlo))
        if action.line == "STARTTLS" {
            _ = reply(220, "go ahead")
            _ = tlsEstablished()
            action = receive(SMTPReply(code: 250, lines: ehlo.filter { $0 != "STARTTLS" }))
        }
        return action
    }
}

extension SMTPDialogue.Action {
    /// The command line this action sends, without its CRLF.
    var line: String? {
        guard case .send(let command) = self else { return nil }
        var text = String(decoding: command.bytes, as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast() }
        return text
    }

    var error: SMTPError? {
        guard case .fail(let error) = self else { return nil }
        return error
    }
}

extension SMTPDialogue.Transaction {
    static func test(recipients: [String] = ["ops@example.com"], message: String = "Subject: x\r\n\r\nbody\r\n") -> Self {
        .init(envelope: SMTPEnvelope(from: "alerts@example.com", recipients: recipients), message: Array(message.utf8))
    }
}

let testCredentials = SMTPCredentials(username: "statushook", password: "s3cr3t-Pa55")
