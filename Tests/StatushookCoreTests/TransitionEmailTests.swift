import Testing
@testable import StatushookCore

@Suite("Sinks: the email for a transition")
struct TransitionEmailTests {
    private func event(to: String = "twilio-rejected", from: String? = "in-review", reason: String? = nil,
                       name: String? = nil, unexpected: Bool = false, kind: ResourceKind? = .customerProfile) -> TransitionEvent {
        TransitionEvent(deliveryID: 42, transitionID: 7, sid: "BU0123456789abcdef0123456789abcdef",
                        accountSid: "AC0123456789abcdef0123456789abcdef", from: from, to: to,
                        failureReason: reason, unexpected: unexpected, occurredAt: "2026-11-22T10:00:00.000000Z",
                        friendlyName: name, kind: kind)
    }

    @Test("the subject names the kind, the friendly name, the SID and the new status")
    func subjectWithName() {
        let mail = TransitionEmail(event(name: "Acme Corp"), domain: "example.com")
        #expect(mail.subject == "Customer profile Acme Corp (BU0123456789abcdef0123456789abcdef) is now twilio-rejected")
    }

    @Test("without a friendly name the subject names the SID")
    func subjectWithoutName() {
        #expect(TransitionEmail(event(), domain: "example.com").subject
                == "Customer profile BU0123456789abcdef0123456789abcdef is now twilio-rejected")
    }

    @Test("a trust product's mail names its kind in the subject, the first line and the details")
    func trustProduct() {
        let mail = TransitionEmail(event(to: "twilio-approved", from: "pending-review", name: "Acme A2P", kind: .trustProduct),
                                   domain: "example.com")
        #expect(mail.subject == "Trust product Acme A2P (BU0123456789abcdef0123456789abcdef) is now twilio-approved")
        #expect(mail.text.hasPrefix("Trust product Acme A2P (BU0123456789abcdef0123456789abcdef) was approved.\n"))
        #expect(mail.text.contains("  Kind:     trust product\n"))
        #expect(!mail.text.contains("not one Twilio documents"))
        let rejected = TransitionEmail(event(kind: .trustProduct), domain: "example.com")
        #expect(rejected.text.contains("A rejected trust product must be fixed and resubmitted"))
    }

    @Test("a SID of unknown kind is a 'Profile', and the text says the kind is not known yet")
    func unknownKind() {
        let mail = TransitionEmail(event(kind: nil), domain: "example.com")
        #expect(mail.subject == "Profile BU0123456789abcdef0123456789abcdef is now twilio-rejected")
        #expect(mail.text.contains("  Kind:     not known yet (a customer profile or a trust product)\n"))
    }

    @Test("the text says from what, to what, when, why and which error codes")
    func text() {
        let mail = TransitionEmail(event(reason: "Error 18601: business name mismatch; see 18602 and 18601"), domain: "example.com")
        #expect(mail.text.contains("From:     in-review"))
        #expect(mail.text.contains("To:       twilio-rejected"))
        #expect(mail.text.contains("When:     2026-11-22T10:00:00.000000Z"))
        #expect(mail.text.contains("Reason:   Error 18601: business name mismatch"))
        #expect(mail.text.contains("Codes:    18601 (https://www.twilio.com/docs/errors/18601), 18602 (https://www.twilio.com/docs/errors/18602)"))
        #expect(mail.text.contains("fixed and resubmitted"))
    }

    @Test("a first sight says so, and an unexpected transition is called out")
    func firstSightAndUnexpected() {
        let mail = TransitionEmail(event(to: "twilio-approved", from: nil, unexpected: true), domain: "example.com")
        #expect(mail.text.contains("From:     (first seen)"))
        #expect(mail.text.contains("not one Twilio documents"))
    }

    @Test("every mail about one profile shares a thread id, and each has its own message id")
    func threading() {
        let first = TransitionEmail(event(), domain: "example.com")
        var later = event(to: "draft", from: "twilio-rejected")
        later.deliveryID = 43
        let second = TransitionEmail(later, domain: "example.com")
        #expect(first.threadID == second.threadID)
        #expect(first.messageID != second.messageID)
        #expect(first.threadID == "<BU0123456789abcdef0123456789abcdef.profile@example.com>")
    }

    @Test("only five-digit numbers count as error codes")
    func codes() {
        #expect(TransitionEmail.errorCodes(in: "1234 123456 18601, 20404.") == ["18601", "20404"])
        #expect(TransitionEmail.errorCodes(in: "no codes here") == [])
    }
}

@Suite("Sinks: the smtp sink's EHLO name")
struct SMTPSinkHelloTests {
    @Test("only a valid host name is used for EHLO", arguments: [
        ("mail.example.com", true), ("localhost", true), ("a-b.c", true),
        ("my_host", false), ("-bad.example", false), ("", false), ("two..dots", false), ("späm.example", false),
    ])
    func hostNames(name: String, valid: Bool) {
        #expect(SMTPSinkDriver.isHostName(name) == valid)
    }
}
