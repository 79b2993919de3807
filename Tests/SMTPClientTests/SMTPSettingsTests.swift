import Testing

@testable import SMTPClient

@Suite("SMTP settings")
struct SMTPSettingsTests {
    @Test("the default port follows the TLS mode: 587, 465, 25")
    func defaultPorts() {
        #expect(SMTPSettings(host: "mail.example.com").port == 587)
        #expect(SMTPSettings(host: "mail.example.com", tls: .implicit).port == 465)
        #expect(SMTPSettings(host: "mail.example.com", tls: .none).port == 25)
        #expect(SMTPSettings(host: "mail.example.com", port: 2525, tls: .implicit).port == 2525)
    }

    @Test("printing, debug-printing or dumping settings never shows the password")
    func passwordHidden() {
        let settings = SMTPSettings(
            host: "mail.example.com", credentials: SMTPCredentials(username: "alerts", password: "hunter2-secret"))
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [String(describing: settings), String(reflecting: settings), dumped, "\(settings.credentials!)"] {
            #expect(!text.contains("hunter2"))
            #expect(text.contains("alerts"))
        }
    }

    @Test("an IPv6 host is bracketed in messages")
    func serverName() {
        #expect(SMTPSettings(host: "::1", port: 25).server == "[::1]:25")
        #expect(SMTPSettings(host: "mail.example.com", port: 25).server == "mail.example.com:25")
    }
}
