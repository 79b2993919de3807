import Testing
@testable import StatushookCore

@Suite("Sinks: the email for a burst")
struct DigestEmailTests {
    private func event(_ n: Int, to: String = "twilio-approved", reason: String? = nil, name: String? = nil,
                       unexpected: Bool = false, kind: ResourceKind? = .customerProfile) -> TransitionEvent {
        TransitionEvent(deliveryID: Int64(100 + n), transitionID: Int64(n), sid: "BU\(String(repeating: "0", count: 30))\(n < 10 ? "0" : "")\(n)",
                        accountSid: nil, from: "pending-review", to: to, failureReason: reason, unexpected: unexpected,
                        occurredAt: "2026-12-06T05:10:0\(n % 10).123456Z", friendlyName: name, kind: kind)
    }

    @Test("the subject gives the count and the verdicts")
    func subject() {
        let mail = DigestEmail([event(1), event(2, to: "twilio-rejected"), event(3, to: "in-review")], sink: "mail", domain: "example.com")
        #expect(mail.subject == "statushook: 3 TrustHub status changes (1 rejected, 1 approved, 1 other)")
        #expect(mail.messageID == "<digest-101-3@example.com>")
    }

    @Test("the table lists every transition in order, aligned, with the kind, SID, name and move")
    func table() {
        let mail = DigestEmail([event(1, name: "Acme Corp"), event(2, kind: .trustProduct), event(3, kind: nil)],
                               sink: "mail", domain: "example.com")
        let lines = mail.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("  When (UTC)") }) else {
            Issue.record("no table header in:\n\(mail.text)")
            return
        }
        #expect(lines[header] == "  When (UTC)           Kind              SID                                 Name       From -> To")
        #expect(lines[header + 2] == "  2026-12-06 05:10:01  Customer profile  BU00000000000000000000000000000001  Acme Corp  pending-review -> twilio-approved")
        #expect(lines[header + 3].contains("  Trust product     BU00000000000000000000000000000002             pending-review"))
        #expect(lines[header + 4].contains("  Profile           BU00000000000000000000000000000003"))
        #expect(mail.text.hasSuffix("statushook, sink mail: a digest of 3 deliveries (101–103); each is recorded as delivered in it (statushook deliveries --sink mail).\n"))
    }

    @Test("every rejection's reason and codes follow the table, in full; long names are cut in the table only")
    func rejections() {
        let long = String(repeating: "Ü", count: 40)
        let mail = DigestEmail([event(1, to: "twilio-rejected", reason: "Name mismatch (18601); address (18602)", name: long)],
                               sink: "mail", domain: "example.com")
        #expect(mail.text.contains(String(repeating: "Ü", count: 27) + "…  pending-review -> twilio-rejected"))
        #expect(mail.text.contains("Rejections, with Twilio's reasons:\n\n  BU00000000000000000000000000000001 \(long)\n"
                                   + "    Reason: Name mismatch (18601); address (18602)\n"
                                   + "    Codes:  18601 (https://www.twilio.com/docs/errors/18601), 18602 (https://www.twilio.com/docs/errors/18602)\n"))
    }

    @Test("digits inside a SID in the reason are not error codes")
    func codesAreWords() {
        #expect(TransitionEmail.errorCodes(in: "Name mismatch for BUe1e1ee310c59ffeaeb8c90972b53411e (18601), see 18602.") == ["18601", "18602"])
        #expect(TransitionEmail.errorCodes(in: "code 186011 and 1860 are not codes; x18601 neither") == [])
    }

    @Test("an unexpected move is marked, and the mark explained")
    func unexpected() {
        let mail = DigestEmail([event(1, to: "draft", unexpected: true)], sink: "mail", domain: "example.com")
        #expect(mail.text.contains("pending-review -> draft (unexpected)"))
        #expect(mail.text.contains("A transition marked (unexpected) is not one Twilio documents"))
        #expect(mail.subject == "statushook: 1 TrustHub status change (1 other)")
    }
}
