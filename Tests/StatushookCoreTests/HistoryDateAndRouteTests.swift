@testable import StatushookCore
import Testing

@Suite("History dates")
struct HistoryDateTests {
    @Test("stored times are shown in Twilio's form, whole seconds")
    func twilioForm() {
        #expect(HistoryDate.twilio("2026-11-22T10:00:00.999999Z") == "2026-11-22T10:00:00Z")
        #expect(HistoryDate.twilio("2026-11-22T10:00:00.000000Z") == "2026-11-22T10:00:00Z")
        #expect(HistoryDate.twilio("something else") == "something else")
    }

    @Test("a date filter accepts what Twilio's SDKs send", arguments: [
        ("2026-11-22", "2026-11-22T00:00:00Z"),
        ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z"),
        ("2026-11-22T10:00:00.5Z", "2026-11-22T10:00:00.5Z"),
        ("2026-11-22T10:00:00.123456Z", "2026-11-22T10:00:00.123456Z"),
        ("2026-11-22T10:00:00+01:00", "2026-11-22T10:00:00+01:00"),
        ("2026-11-22T10:00:00.25-05:30", "2026-11-22T10:00:00.25-05:30"),
    ])
    func accepted(text: String, value: String) {
        #expect(HistoryDate.filterValue(text) == value)
    }

    @Test("a date filter refuses anything PostgreSQL might read otherwise", arguments: [
        "", "2026-11-2", "2026-02-29", "1900-02-29", "2026-04-31", "2026-00-10", "0000-01-01", "2026-11-22T24:00:00Z",
        "2026-11-22T10:60:00Z", "2026-11-22T10:00:60Z", "2026-11-22T10:00:00", "2026-11-22 10:00:00Z",
        "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00.1234567Z", "2026-11-22T10:00:00+15:00", "2026-11-22T10:00:00 01:00",
        "2026-11-22T10:00:00+0100", "today", "epoch", "infinity", "2026-11-22t10:00:00z",
    ])
    func refused(text: String) {
        #expect(HistoryDate.filterValue(text) == nil)
    }
}

@Suite("History routes")
struct HistoryRouteTests {
    static let sid = "BU0123456789abcdef0123456789abcdef"

    @Test("each path of docs/contract.md §3 has its route")
    func routes() {
        #expect(HistoryRoute(path: "/v1/CustomerProfiles") == .profiles(.customerProfile))
        #expect(HistoryRoute(path: "/v1/CustomerProfiles/\(Self.sid)"[...]) == .profile(.customerProfile, sid: Self.sid))
        #expect(HistoryRoute(path: "/v1/CustomerProfiles/\(Self.sid)/Transitions"[...]) == .profileTransitions(.customerProfile, sid: Self.sid))
        #expect(HistoryRoute(path: "/v1/TrustProducts") == .profiles(.trustProduct))
        #expect(HistoryRoute(path: "/v1/TrustProducts/\(Self.sid)"[...]) == .profile(.trustProduct, sid: Self.sid))
        #expect(HistoryRoute(path: "/v1/TrustProducts/\(Self.sid)/Transitions"[...]) == .profileTransitions(.trustProduct, sid: Self.sid))
        #expect(HistoryRoute(path: "/v1/Transitions") == .transitions)
        #expect(HistoryRoute(path: "/v1/Transitions/TR42") == .transition(id: 42))
        #expect(HistoryRoute(path: "/v1/Deliveries") == .deliveries)
        #expect(HistoryRoute.profiles(.trustProduct).list == .profiles && HistoryRoute.profileTransitions(.trustProduct, sid: "BU1").list == .transitions)
        #expect(HistoryRoute.profile(.customerProfile, sid: "BU1").list == nil)
    }

    @Test("anything else is no route", arguments: [
        "/v1/", "/v1/customerprofiles", "/v1/CustomerProfiles/", "/v1/CustomerProfiles//Transitions",
        "/v1/CustomerProfiles/BU%41", "/v1/CustomerProfiles/BU..", "/v1/CustomerProfiles/BU1/Evaluations",
        "/v1/Transitions/42", "/v1/Transitions/TR", "/v1/Transitions/TR042", "/v1/Transitions/TR-1",
        "/v1/Transitions/TR99999999999999999999", "/v1/Deliveries/1", "/v2/CustomerProfiles", "/v1/Transitions/",
    ])
    func unknown(path: String) {
        #expect(HistoryRoute(path: path[...]) == nil)
    }

    @Test("a profile SID is BU and 32 hex digits")
    func profileSid() {
        #expect(HistoryRoute.isProfileSid(Self.sid[...]))
        #expect(HistoryRoute.isProfileSid("BU0123456789ABCDEF0123456789ABCDEF"))
        #expect(!HistoryRoute.isProfileSid("BU0123456789abcdef0123456789abcdeg"))
        #expect(!HistoryRoute.isProfileSid("RN0123456789abcdef0123456789abcdef"))
        #expect(!HistoryRoute.isProfileSid("BU0123"))
    }
}
