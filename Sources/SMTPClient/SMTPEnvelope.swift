/// The SMTP envelope: who the server is told the message is from and whom to deliver it to.
/// Independent of the `From`/`To` headers (a Bcc is a recipient missing from `To`).
public struct SMTPEnvelope: Sendable, Equatable {
    public var from: String
    public var recipients: [String]

    public init(from: String, recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }
}
