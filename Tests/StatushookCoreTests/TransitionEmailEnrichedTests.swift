import Testing
@testable import StatushookCore

/// The email and event once the TrustHub API told the profile's fields.
@Suite("Sinks: an enriched transition")
struct TransitionEmailEnrichedTests {
    static let details = ProfileDetails(
        friendlyName: "Acme Corp", enriched: true, policySid: "RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        email: "compliance@acme.example", statusCallback: "https://hooks.example.com/callbacks/twilio",
        validUntil: nil, errors: .array([.object([("code", .int(18601))])]),
        dateCreated: "2019-07-30T22:29:24.000000Z", dateUpdated: "2019-07-31T01:09:00.000000Z")

    static func event(to: String = "twilio-rejected", reason: String? = nil, details: ProfileDetails? = details) -> TransitionEvent {
        var event = TransitionEvent(deliveryID: 42, transitionID: 7, sid: "BU0123456789abcdef0123456789abcdef",
                                    accountSid: nil, from: "in-review", to: to, failureReason: reason, unexpected: false,
                                    occurredAt: "2026-11-22T10:00:00.000000Z")
        event.profile = details
        return event
    }

    @Test("a rejection's mail says who was rejected and with which codes, first thing")
    func rejected() {
        let mail = TransitionEmail(Self.event(), domain: "example.com")
        #expect(mail.subject == "Profile Acme Corp (BU0123456789abcdef0123456789abcdef) is now twilio-rejected: 18601")
        #expect(mail.text.hasPrefix("Profile Acme Corp (BU0123456789abcdef0123456789abcdef) was rejected: 18601\n"))
        #expect(mail.text.contains("Codes:    18601 (https://www.twilio.com/docs/errors/18601)"))
        #expect(mail.text.contains("Email:    compliance@acme.example"))
        #expect(mail.text.contains("Policy:   RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
    }

    @Test("the callback's reason follows the codes, and its own codes join the profile's")
    func rejectedWithReason() {
        let mail = TransitionEmail(Self.event(reason: "Error 18606: email domain"), domain: "example.com")
        #expect(mail.text.hasPrefix("Profile Acme Corp (BU0123456789abcdef0123456789abcdef) was rejected: 18601, 18606 Error 18606: email domain\n"))
        #expect(mail.subject.hasSuffix("is now twilio-rejected: 18601, 18606"))
    }

    @Test("an approval says so")
    func approved() {
        let mail = TransitionEmail(Self.event(to: "twilio-approved", details: ProfileDetails(friendlyName: "Acme Corp")), domain: "example.com")
        #expect(mail.subject == "Profile Acme Corp (BU0123456789abcdef0123456789abcdef) is now twilio-approved")
        #expect(mail.text.hasPrefix("Profile Acme Corp (BU0123456789abcdef0123456789abcdef) was approved.\n"))
        #expect(!mail.text.contains("Email:"))
    }

    @Test("the event's profile holds every field once enriched, only the name before")
    func eventProfile() {
        #expect(Self.event().json.member("profile") == .object([
            ("friendly_name", "Acme Corp"), ("policy_sid", "RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("email", "compliance@acme.example"), ("status_callback", "https://hooks.example.com/callbacks/twilio"),
            ("valid_until", .null), ("errors", .array([.object([("code", .int(18601))])])),
            ("date_created", "2019-07-30T22:29:24.000000Z"), ("date_updated", "2019-07-31T01:09:00.000000Z"),
        ]))
        #expect(Self.event(details: ProfileDetails(friendlyName: "Acme Corp")).json.member("profile")
                == .object([("friendly_name", "Acme Corp")]))
        #expect(Self.event(details: nil).json.member("profile") == nil)
    }
}
