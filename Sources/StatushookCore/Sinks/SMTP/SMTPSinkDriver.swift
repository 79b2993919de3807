import Foundation
import SMTPClient

/// The smtp sink: one email per transition (or notice), over the project's own SMTP client,
/// with the session kept open between the deliveries of a burst.
final class SMTPSinkDriver: DigestSinkDriver {
    let name: String
    private let settings: SMTPSinkSettings
    private let client: SMTPClient
    /// The domain of `from`, for Message-IDs.
    private let domain: String

    init(name: String, settings: SMTPSinkSettings) {
        self.name = name
        self.settings = settings
        let credentials = settings.username.map { SMTPCredentials(username: $0, password: settings.password ?? "") }
        client = SMTPClient(settings: SMTPSettings(
            host: settings.smarthostHost, port: Int(settings.smarthostPort),
            tls: settings.tls,
            credentials: credentials, hello: settings.hello ?? Self.hostName(),
            allowPlaintextAuth: settings.allowPlaintextAuth, timeout: settings.timeout))
        domain = settings.from.split(separator: "@").last.map(String.init) ?? "localhost"
    }

    func deliver(_ payload: DeliveryPayload) -> AttemptOutcome {
        let message: SMTPMessage
        switch payload {
        case .transition(let event):
            let mail = TransitionEmail(event, domain: domain)
            message = SMTPMessage(
                from: SMTPMailbox(settings.from, displayName: "statushook"), to: settings.to.map { SMTPMailbox($0) },
                subject: mail.subject, body: mail.text, messageID: mail.messageID,
                inReplyTo: mail.threadID, references: [mail.threadID],
                extraHeaders: [.init("Auto-Submitted", "auto-generated")])
        case .notice(let notice):
            message = SMTPMessage(
                from: SMTPMailbox(settings.from, displayName: "statushook"), to: settings.to.map { SMTPMailbox($0) },
                subject: "statushook: sink \(notice.sink) was paused",
                body: "Deliveries to sink \(notice.sink) are paused since \(notice.occurredAt):\n\n  \(notice.reason)\n\n"
                    + "They wait in the outbox. Fix the sink, then: statushook sinks --resume \(notice.sink)\n",
                extraHeaders: [.init("Auto-Submitted", "auto-generated")])
        }
        return send(message)
    }

    var digestAfter: Int { settings.digestAfter }
    var digestInterval: Duration { settings.digestInterval }
    /// An email's table reads well enough at a thousand lines, and stays far below any server's
    /// size limit (about a megabyte at the very worst, every reason a thousand characters).
    var digestLimit: Int { 1000 }

    func deliverDigest(_ events: [TransitionEvent]) -> AttemptOutcome {
        let mail = DigestEmail(events, sink: name, domain: domain)
        let outcome = send(SMTPMessage(
            from: SMTPMailbox(settings.from, displayName: "statushook"), to: settings.to.map { SMTPMailbox($0) },
            subject: mail.subject, body: mail.text, messageID: mail.messageID,
            extraHeaders: [.init("Auto-Submitted", "auto-generated")]))
        return outcome.described("in digest \(mail.messageID) of \(events.count)")
    }

    private func send(_ message: SMTPMessage) -> AttemptOutcome {
        do {
            let report = try client.send(message, envelope: SMTPEnvelope(from: settings.from, recipients: settings.to))
            var detail = "accepted for \(report.accepted.joined(separator: ", ")): \(report.finalReply)"
            if !report.refused.isEmpty {
                detail += "; refused: " + report.refused.map { "\($0.recipient) (\($0.reply))" }.joined(separator: ", ")
            }
            return .delivered(detail: detail)
        } catch {
            return error.isTransient ? .transient(detail: error.message, retryAfter: nil) : .permanent(detail: error.message)
        }
    }

    func reset() {
        client.close()
    }

    /// This machine's name for `EHLO`, or `localhost` when it is not a valid host name
    /// (`my_host`): a name the client would refuse must not make every send fail.
    static func hostName() -> String {
        let name = HostName.current
        return isHostName(name) ? name : "localhost"
    }

    /// Letters, digits and hyphens in dot-separated labels of 1–63 characters, not starting or
    /// ending with a hyphen.
    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }
}
