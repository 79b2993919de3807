import Foundation
import Testing

@testable import SMTPClient

/// Failures and session reuse against a real aiosmtpd server.
@Suite("SMTPClient against a real server: failures and session reuse")
struct SMTPClientFailureTests {
    @Test("a required STARTTLS the server does not offer is a clear permanent error, and nothing is sent")
    func startTLSNotOffered() throws {
        try TestSMTPServer.with([]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls))
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: RealServer.envelope) }
            #expect(error?.code == .startTLSUnavailable)
            #expect(error?.isTransient == false)
            #expect(error?.message.contains("does not offer STARTTLS") == true)
            #expect(try server.events().names(["MAIL", "AUTH"]).isEmpty)
            #expect(!client.hasOpenSession)
        }
    }

    @Test("a certificate for another host is refused before anything is sent, as a transient failure (a renewal ends it)")
    func certificateForAnotherHost() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls", otherHost: true)) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls))
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: RealServer.envelope) }
            #expect(error?.code == .certificateRejected)
            #expect(error?.isTransient == true)
            #expect(try server.events().names(["MAIL"]).isEmpty)
        }
    }

    @Test("a certificate from a CA the system does not trust is refused (verification is on)")
    func untrustedCertificate() throws {
        try TestSMTPServer.with(try RealServer.tls("implicit")) { server in
            var settings = try server.settings(tls: .implicit)
            settings.additionalTrustedCertificatesFile = nil
            let error = #expect(throws: SMTPError.self) {
                try SMTPClient(settings: settings).send(RealServer.message(), envelope: RealServer.envelope)
            }
            #expect(error?.code == .certificateRejected)
            #expect(error?.isTransient == true)
        }
    }

    @Test("an invalid envelope is refused without costing the open session")
    func invalidEnvelopeKeepsSession() throws {
        try TestSMTPServer.with([]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .none))
            defer { client.close() }
            try client.send(RealServer.message(), envelope: RealServer.envelope)
            let bad = SMTPEnvelope(from: "bounces@example.com", recipients: ["ops@example.com\r\nRSET"])
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: bad) }
            #expect(error?.code == .invalidAddress)
            #expect(client.hasOpenSession)
            try client.send(RealServer.message(), envelope: RealServer.envelope)
            #expect(try server.events().names(["connect"]).count == 1)
        }
    }

    @Test("451 to DATA is a transient error; the next send opens a new session and delivers")
    func transientDataFailure() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + ["--data-replies", "451,250"]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls))
            defer { client.close() }
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: RealServer.envelope) }
            #expect(error?.replyCode == 451)
            #expect(error?.isTransient == true)
            #expect(error?.message.contains("scripted failure") == true)
            #expect(!client.hasOpenSession)

            try client.send(RealServer.message(), envelope: RealServer.envelope)
            let received = try server.messages()
            #expect(received.count == 1)
            #expect(received.first?.connection == 2)
        }
    }

    @Test("550 to the only recipient is permanent; with another recipient the message still goes out")
    func refusedRecipient() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + ["--reject-rcpt", "gone@example.com"]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls))
            defer { client.close() }
            let only = SMTPEnvelope(from: "bounces@example.com", recipients: ["gone@example.com"])
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: only) }
            #expect(error?.replyCode == 550)
            #expect(error?.isTransient == false)
            #expect(error?.message.contains("gone@example.com") == true)

            let mixed = SMTPEnvelope(from: "bounces@example.com", recipients: ["gone@example.com", "ops@example.com"])
            let report = try client.send(RealServer.message(), envelope: mixed)
            #expect(report.accepted == ["ops@example.com"])
            #expect(report.refused.map(\.recipient) == ["gone@example.com"])
            #expect(report.refused.first?.reply.code == 550)
            #expect(try server.messages().map(\.rcpt_tos) == [["ops@example.com"]])
        }
    }

    @Test("two messages in a burst share one connection, with RSET between them and QUIT at close")
    func burstReusesSession() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + RealServer.auth) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls, credentials: RealServer.credentials))
            try client.send(RealServer.message(subject: "first"), envelope: RealServer.envelope)
            try client.send(RealServer.message(subject: "second"), envelope: RealServer.envelope)
            #expect(client.hasOpenSession)
            client.close()
            #expect(!client.hasOpenSession)

            let events = try server.events()
            #expect(events.names(["connect"]).count == 1)
            #expect(events.names(["AUTH"]).count == 1)
            #expect(events.names(["MAIL", "RCPT", "DATA", "RSET", "QUIT"])
                == ["MAIL", "RCPT", "DATA", "RSET", "MAIL", "RCPT", "DATA", "QUIT"])
            #expect(try server.messages().map(\.subject) == ["first", "second"])
        }
    }

    @Test("a session the server closed while idle is replaced transparently on the next send")
    func serverClosedIdleSession() throws {
        try TestSMTPServer.with(try RealServer.tls("starttls") + ["--idle-timeout", "0.5"]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls))
            defer { client.close() }
            try client.send(RealServer.message(subject: "before"), envelope: RealServer.envelope)
            Thread.sleep(forTimeInterval: 2)
            try client.send(RealServer.message(subject: "after"), envelope: RealServer.envelope)
            let received = try server.messages()
            #expect(received.map(\.subject) == ["before", "after"])
            #expect(received.map(\.connection) == [1, 2])
        }
    }

    @Test("a session idle longer than idleTimeout is closed with QUIT rather than reused")
    func clientIdleTimeout() throws {
        try TestSMTPServer.with([]) { server in
            var settings = try server.settings(tls: .none)
            settings.idleTimeout = .milliseconds(300)
            let client = SMTPClient(settings: settings)
            defer { client.close() }
            try client.send(RealServer.message(), envelope: RealServer.envelope)
            Thread.sleep(forTimeInterval: 0.6)
            try client.send(RealServer.message(), envelope: RealServer.envelope)
            Thread.sleep(forTimeInterval: 0.6)
            client.closeIfIdle()
            #expect(!client.hasOpenSession)
            let events = try server.events()
            #expect(events.filter { $0.event == "QUIT" }.map(\.connection) == [1, 2])
            #expect(events.names(["RSET"]).isEmpty)
        }
    }

    @Test("a server that never answers is a transient timeout within the bound")
    func silentServer() throws {
        try TestSMTPServer.with(["--silent"]) { server in
            let client = SMTPClient(settings: try server.settings(tls: .starttls, timeout: .seconds(1)))
            let started = ContinuousClock.now
            let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: RealServer.envelope) }
            let elapsed = ContinuousClock.now - started
            #expect(error?.code == .timeout)
            #expect(error?.isTransient == true)
            #expect(error?.message.contains("did not answer within") == true)
            #expect(elapsed >= .milliseconds(900))
            #expect(elapsed < .seconds(3))
        }
    }

    @Test("nothing listening is a transient connection failure")
    func nothingListening() throws {
        let server = try TestSMTPServer([])
        let settings = try server.settings(tls: .starttls, host: "127.0.0.1")
        server.stop()
        let client = SMTPClient(settings: settings)
        let error = #expect(throws: SMTPError.self) { try client.send(RealServer.message(), envelope: RealServer.envelope) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isTransient == true)
    }
}
