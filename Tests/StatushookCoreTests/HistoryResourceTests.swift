@testable import StatushookCore
import Testing

@Suite("History resources")
struct HistoryResourceTests {
    static let sid = "BU0123456789abcdef0123456789abcdef"

    @Test("a profile has every field of Twilio's CustomerProfile, unknown ones null")
    func profile() {
        let record = ProfileRecord(sid: Self.sid, status: "draft", dateCreated: "2026-11-22T10:00:00.123456Z",
                                   dateUpdated: "2026-11-22T11:00:00.000001Z")
        let url = "https://h/v1/CustomerProfiles/\(Self.sid)"
        #expect(record.json(base: "https://h").text == """
            {"sid":"\(Self.sid)","account_sid":null,"policy_sid":null,"friendly_name":null,"status":"draft","email":null,\
            "status_callback":null,"valid_until":null,"date_created":"2026-11-22T10:00:00Z","date_updated":"2026-11-22T11:00:00Z",\
            "url":"\(url)","links":{"customer_profiles_entity_assignments":"\(url)/EntityAssignments",\
            "customer_profiles_evaluations":"\(url)/Evaluations",\
            "customer_profiles_channel_endpoint_assignment":"\(url)/ChannelEndpointAssignments",\
            "transitions":"\(url)/Transitions"},"errors":null}
            """)
    }

    @Test("a profile's stored errors are passed on as JSON")
    func profileErrors() {
        var record = ProfileRecord(sid: Self.sid, status: "twilio-rejected", validUntil: "2027-01-01T00:00:00.000000Z",
                                   dateCreated: "2026-11-22T10:00:00.000000Z", dateUpdated: "2026-11-22T10:00:00.000000Z",
                                   errors: #"[{"code": 22215, "url": "https://x", "fields": ["a", "\u00e9"]}]"#)
        let json = record.json(base: "")
        #expect(json.text.hasSuffix(#""errors":[{"code":22215,"url":"https://x","fields":["a","é"]}]}"#))
        #expect(json.text.contains(#""valid_until":"2027-01-01T00:00:00Z""#))
        record.errors = "not json"
        #expect(record.json(base: "").text.hasSuffix(#""errors":null}"#))
        // Twilio's errors is an array or null: an object is wrapped, a scalar dropped.
        record.errors = #"{"code": 18601}"#
        #expect(record.json(base: "").text.hasSuffix(#""errors":[{"code":18601}]}"#))
        record.errors = "5"
        #expect(record.json(base: "").text.hasSuffix(#""errors":null}"#))
    }

    @Test("a trust product has its own url and Twilio's TrustProduct links; an unknown kind is a customer profile")
    func trustProduct() {
        var record = ProfileRecord(sid: Self.sid, kind: .trustProduct, status: "draft", dateCreated: "2026-11-22T10:00:00.123456Z",
                                   dateUpdated: "2026-11-22T11:00:00.000001Z")
        let url = "https://h/v1/TrustProducts/\(Self.sid)"
        #expect(record.json(base: "https://h").text.contains("""
            "url":"\(url)","links":{"trust_products_entity_assignments":"\(url)/EntityAssignments",\
            "trust_products_evaluations":"\(url)/Evaluations",\
            "trust_products_channel_endpoint_assignment":"\(url)/ChannelEndpointAssignments",\
            "transitions":"\(url)/Transitions"}
            """))
        record.kind = nil
        #expect(record.json(base: "https://h").text.contains(#""url":"https://h/v1/CustomerProfiles/\#(Self.sid)""#))
    }

    @Test("an event's type names its kind; an unknown kind is told as a customer profile")
    func eventType() {
        var event = TransitionEvent(deliveryID: 1, transitionID: 2, sid: Self.sid, accountSid: nil, from: nil, to: "draft",
                                    failureReason: nil, unexpected: false, occurredAt: "2026-11-22T10:00:00.000000Z")
        #expect(event.json.text.hasPrefix(#"{"type":"customer_profile.status_changed","id":"TR2""#))
        event.kind = .trustProduct
        #expect(event.json.text.hasPrefix(#"{"type":"trust_product.status_changed","id":"TR2""#))
        event.kind = .customerProfile
        #expect(event.json.text.hasPrefix(#"{"type":"customer_profile.status_changed""#))
    }

    @Test("a transition carries the event's id and its own URL")
    func transition() {
        let record = TransitionRecord(id: 17, sid: Self.sid, accountSid: "AC1", fromStatus: "in-review", toStatus: "twilio-rejected",
                                      failureReason: "blurry", unexpected: true, source: "reconcile",
                                      occurredAt: "2026-11-22T10:00:05.500000Z")
        #expect(record.json(base: "http://h").text == """
            {"id":"TR17","sid":"\(Self.sid)","account_sid":"AC1","from_status":"in-review","to_status":"twilio-rejected",\
            "failure_reason":"blurry","unexpected":true,"source":"reconcile","date_created":"2026-11-22T10:00:05Z",\
            "url":"http://h/v1/Transitions/TR17"}
            """)
        #expect(record.pageKey == .transition(occurredAt: "2026-11-22T10:00:05.500000Z", id: 17))
    }

    @Test("a delivery lists its attempts; a notice's delivery has no transition")
    func delivery() {
        let attempt = DeliveryRecord.Attempt(attempt: 1, worker: "w1", startedAt: "2026-11-22T10:00:06.000000Z",
                                             durationMilliseconds: 12, outcome: "transient", detail: "HTTP 503")
        let record = DeliveryRecord(id: 5, transitionID: 17, sid: Self.sid, sink: "hook", state: "pending", attemptCount: 1,
                                    lastError: "HTTP 503", createdAt: "2026-11-22T10:00:05.000000Z",
                                    nextAttemptAt: "2026-11-22T10:00:11.000000Z", attempts: [attempt])
        #expect(record.json(base: "http://h").text == """
            {"id":5,"transition_id":"TR17","notice_id":null,"sid":"\(Self.sid)","sink":"hook","state":"pending",\
            "attempt_count":1,"last_error":"HTTP 503","date_created":"2026-11-22T10:00:05Z",\
            "next_attempt_at":"2026-11-22T10:00:11Z","date_finished":null,"transition_url":"http://h/v1/Transitions/TR17",\
            "attempts":[{"attempt":1,"worker":"w1","date_started":"2026-11-22T10:00:06Z","duration_ms":12,\
            "outcome":"transient","detail":"HTTP 503"}]}
            """)
        let notice = DeliveryRecord(id: 6, transitionID: nil, noticeID: 2, sid: nil, sink: "mail", state: "delivered",
                                    attemptCount: 1, createdAt: "2026-11-22T10:00:05.000000Z",
                                    nextAttemptAt: "2026-11-22T10:00:05.000000Z", finishedAt: "2026-11-22T10:00:07.000000Z")
        #expect(notice.json(base: "").text.contains(#""transition_id":null,"notice_id":2,"sid":null"#))
        #expect(notice.json(base: "").text.contains(#""date_finished":"2026-11-22T10:00:07Z","transition_url":null"#))
    }

    @Test("JSON text from PostgreSQL reads back as the same value", arguments: [
        #"null"#, #"true"#, #"[]"#, #"{}"#, #"-12"#, #"[1,"two",{"three":[false,null]}]"#,
        #"{"a":"quote \" backslash \\ tab \t","b":"😀"}"#,
    ])
    func parseRoundTrip(text: String) {
        #expect(JSONValue(parsing: text)?.text == text)
    }

    @Test("JSON parsing: spaces, escapes and surrogate pairs; fractions become strings; bad text is nil")
    func parseDetails() {
        #expect(JSONValue(parsing: #" [ 1 , "\u00e9\ud83d\ude00\/" ] "#) == .array([.int(1), .string("é😀/")]))
        #expect(JSONValue(parsing: "1.5") == .string("1.5"))
        for bad in ["", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "tru", "[1] x", "\"a\nb\"", "01x", "+1"] {
            #expect(JSONValue(parsing: bad) == nil, "\(bad)")
        }
        #expect(JSONValue(parsing: String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == nil)
    }
}
