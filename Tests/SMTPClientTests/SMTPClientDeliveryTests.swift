import Foundation
import Testing

@testable import SMTPClient

/// Against a real aiosmtpd server (Tests/support/smtp_server.py) over real sockets and TLS.
@Suite("SMTPClient delivers to a real server")
struct SMTPClientDeliveryTests {
    @Test("STARTTLS and AUTH PLAIN deliver a message that Python's email package reads back intact")
    func startTLSAndPlain() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + RealServer.auth) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls, credentials: RealServer.credentials))
            defer { client.close() }
            let subject = "BU1 is twilio-approved 🎉 — profil approuvé, 日本のプロファイル"
            let body = "Status: in-review → twilio-approved\nTrailing space \n"
                + String(repeating: "long line é ", count: 30) + "\n.\n.starts with a dot\nlast"
            let date = Date(timeIntervalSince1970: 1_715_677_500)
            let message = SMTPMessage(
                from: SMTPMailbox("alerts@example.com", displayName: "Statushook Café"),
                to: [SMTPMailbox("ops@example.com", displayName: "Ops 日本"), SMTPMailbox("audit@example.com")],
                subject: subject, body: body, date: date, messageID: "t1.BU1@statushook.example.com",
                inReplyTo: "BU1@statushook.example.com", references: ["BU1@statushook.example.com"],
                extraHeaders: [.init("Auto-Submitted", "auto-generated")])
            let envelope = SMTPEnvelope(from: "bounces@example.com", recipients: ["ops@example.com", "audit@example.com"])

            let report = try client.send(message, envelope: envelope)

            #expect(report.accepted == envelope.recipients)
            #expect(report.refused.isEmpty)
            let received = try server.messages()
            try #require(received.count == 1)
            let parsed = received[0]
            #expect(parsed.mail_from == "bounces@example.com")
            #expect(parsed.rcpt_tos == envelope.recipients)
            #expect(parsed.subject == subject)
            #expect(parsed.from == "Statushook Café <alerts@example.com>")
            #expect(parsed.to == "Ops 日本 <ops@example.com>, audit@example.com")
            #expect(parsed.date == "Tue, 14 May 2024 09:05:00 +0000")
            #expect(parsed.message_id == "<t1.BU1@statushook.example.com>")
            #expect(parsed.in_reply_to == "<BU1@statushook.example.com>")
            #expect(parsed.references == "<BU1@statushook.example.com>")
            #expect(parsed.content_type == "text/plain")
            #expect(parsed.charset == "utf-8")
            #expect(parsed.transfer_encoding == "quoted-printable")
            #expect(parsed.body == body + "\n")
            #expect(parsed.defects.isEmpty)
            #expect(parsed.max_line_length <= 78)
            #expect(parsed.bare_line_breaks == 0)
            #expect(parsed.headers.contains(["Auto-Submitted", "auto-generated"]))

            let events = try server.events()
            #expect(events.names(["STARTTLS", "AUTH", "MAIL"]) == ["STARTTLS", "AUTH", "MAIL"])
            let auth = events.first { $0.event == "AUTH" }
            #expect(auth?.mechanism == "PLAIN")
            #expect(auth?.success == true)
            #expect(auth?.tls == true)
        }
    }

    @Test("AUTH LOGIN is used when it is the only mechanism offered")
    func authLogin() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + RealServer.auth + ["--auth-mechanisms", "LOGIN"]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls, credentials: RealServer.credentials))
            defer { client.close() }
            try client.send(RealServer.message(), envelope: RealServer.envelope)
            #expect(try server.messages().count == 1)
            let auth = try server.events().first { $0.event == "AUTH" }
            #expect(auth?.mechanism == "LOGIN")
            #expect(auth?.success == true)
        }
    }

    @Test("implicit TLS (port 465 style) delivers with AUTH")
    func implicitTLS() throws {
        try TestSMTPServer.with(try RealServer.tls("implicit") + RealServer.auth) { server in
            let client = SMTPClient(settings: try server.settings(tls: .implicit, credentials: RealServer.credentials))
            defer { client.close() }
            try client.send(RealServer.message(subject: "implicit é"), envelope: RealServer.envelope)
            #expect(try server.messages().first?.subject == "implicit é")
        }
    }

    @Test("a wrong password is a permanent error with the 535 and without the password")
    func wrongPassword() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + RealServer.auth) { server in
            let wrong = SMTPCredentials(username: "statushook", password: "not-the-password")
            let client = SMTPClient(settings: try server.settings(tls: .starttls, credentials: wrong))
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: RealServer.envelope) }
            #expect(error?.replyCode == 535)
            #expect(error?.isTransient == false)
            #expect(error?.description.contains("not-the-password") == false)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("AUTH over plaintext is refused unless allowed, and then works")
    func plaintextAuth() throws {
        try TestSMTPServer.with(RealServer.auth + ["--auth-plaintext"]) { server in
            let refusing = SMTPClient(settings: try server.settings(tls: .none, credentials: RealServer.credentials))
            let error = #expect(throws: SMTPError.self) { try refusing.send(RealServer.message(), envelope: RealServer.envelope) }
            #expect(error?.code == .plaintextAuthRefused)
            #expect(error?.isTransient == false)
            #expect(try server.events().names(["AUTH"]).isEmpty)

            let allowing = SMTPClient(settings: try server.settings(
                tls: .none, credentials: RealServer.credentials, allowPlaintextAuth: true))
            defer { allowing.close() }
            try allowing.send(RealServer.message(), envelope: RealServer.envelope)
            #expect(try server.messages().count == 1)
            #expect(try server.events().first { $0.event == "AUTH" }?.tls == false)
        }
    }

    @Test("a callback value with CR/LF and dot lines injects no header, recipient or command")
    func injectionEndToEnd() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls")) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls))
            defer { client.close() }
            let body = "FailureReason: bad\r\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\n"
                + "DATA\r\nSubject: forged\r\n\r\nforged\r\n.\r\nQUIT\r\n"
            let message = RealServer.message(subject: "Rejected\r\nBcc: victim@example.com", body: body)
            try client.send(message, envelope: RealServer.envelope)
            let received = try server.messages()
            try #require(received.count == 1)
            #expect(received[0].rcpt_tos == ["ops@example.com"])
            #expect(!received[0].headers.contains { $0.first?.lowercased() == "bcc" })
            #expect(received[0].subject == "Rejected Bcc: victim@example.com")
            #expect(received[0].body == body.replacingOccurrences(of: "\r\n", with: "\n"))
            let events = try server.events()
            #expect(events.names(["MAIL", "RCPT", "DATA"]) == ["MAIL", "RCPT", "DATA"])
            #expect(!events.contains { $0.address?.contains("example.com") == true && $0.address != "ops@example.com" && $0.address != "bounces@example.com" })
        }
    }
}
