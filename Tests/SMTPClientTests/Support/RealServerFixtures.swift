import Foundation

@testable import SMTPClient

/// What the real-server tests share: server arguments, credentials, a message.
enum RealServer {
    static let credentials = SMTPCredentials(username: "statushook", password: "pa55 wörd")
    static let envelope = SMTPEnvelope(from: "bounces@example.com", recipients: ["ops@example.com"])

    /// `--tls MODE` with the certificate for localhost (or for another host).
    static func tls(_ mode: String, otherHost: Bool = false) throws -> [String] {
        let certificates = try TestCertificates.shared.get()
        return ["--tls", mode,
                "--cert", otherHost ? certificates.otherHostCertificate : certificates.serverCertificate,
                "--key", otherHost ? certificates.otherHostKey : certificates.serverKey]
    }

    static var auth: [String] {
        ["--auth-user", credentials.username, "--auth-password", credentials.password]
    }

    static func message(subject: String = "Profile BU1 is twilio-approved", body: String = "It changed.\n") -> SMTPMessage {
        SMTPMessage(from: SMTPMailbox("alerts@example.com"), to: [SMTPMailbox("ops@example.com")],
                    subject: subject, body: body)
    }
}

extension Array where Element == TestSMTPServer.Event {
    /// The event names, optionally only those of some kinds.
    func names(_ kinds: Set<String>? = nil) -> [String] {
        map(\.event).filter { kinds?.contains($0) ?? true }
    }
}
