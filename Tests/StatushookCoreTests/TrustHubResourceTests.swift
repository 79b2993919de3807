import HTTPClient
import Testing
@testable import StatushookCore

/// The CustomerProfile resource and list page as Twilio documents them, and how answers map to errors.
@Suite("TrustHub API: resources and answers")
struct TrustHubResourceTests {
    /// The documented fetch example (Twilio's API reference), with a rejection's errors.
    static let fetched = """
        {
          "sid": "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "policy_sid": "RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "friendly_name": "Acme Corp",
          "status": "twilio-rejected",
          "valid_until": null,
          "email": "compliance@acme.example",
          "status_callback": "http://www.example.com",
          "date_created": "2019-07-30T22:29:24Z",
          "date_updated": "2019-07-31T01:09:00Z",
          "url": "https://trusthub.twilio.com/v1/CustomerProfiles/BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "links": {
            "customer_profiles_entity_assignments": "https://trusthub.twilio.com/v1/CustomerProfiles/BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/EntityAssignments",
            "customer_profiles_evaluations": "https://trusthub.twilio.com/v1/CustomerProfiles/BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Evaluations",
            "customer_profiles_channel_endpoint_assignment": "https://trusthub.twilio.com/v1/CustomerProfiles/BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/ChannelEndpointAssignments"
          },
          "errors": [{"code": 18601}, {"code": "18606"}, {"code": 18601}]
        }
        """

    static func json(_ text: String) throws -> JSONValue {
        try #require(JSONValue(parsing: text))
    }

    @Test("a fetched profile is read field by field")
    func fetchedProfile() throws {
        let profile = try TrustHubResource(json: Self.json(Self.fetched))
        #expect(profile == TrustHubResource(
            sid: "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            policySid: "RNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", friendlyName: "Acme Corp", status: "twilio-rejected",
            email: "compliance@acme.example", statusCallback: "http://www.example.com", validUntil: nil,
            dateCreated: "2019-07-30T22:29:24Z", dateUpdated: "2019-07-31T01:09:00Z",
            errors: .array([.object([("code", .int(18601))]), .object([("code", "18606")]), .object([("code", .int(18601))])])))
        #expect(profile.errorCodes == ["18601", "18606"])
    }

    @Test("errors null, fields of another type, and an unreadable date are taken as absent")
    func defensiveFields() throws {
        let profile = try TrustHubResource(json: Self.json("""
            {"sid": "BU0123456789abcdef0123456789abcdef", "status": "draft", "friendly_name": 7,
             "valid_until": "soon", "errors": null, "email": null}
            """))
        #expect(profile == TrustHubResource(sid: "BU0123456789abcdef0123456789abcdef", status: "draft"))
        #expect(profile.errorCodes == [])
    }

    @Test("a resource without a valid sid or status is refused", arguments: [
        #"{"status": "draft"}"#,
        #"{"sid": "BU123", "status": "draft"}"#,
        #"{"sid": "BU0123456789abcdef0123456789abcdef"}"#,
        #"{"sid": "BU0123456789abcdef0123456789abcdef", "status": "Bad Status"}"#,
        #"[]"#,
    ])
    func invalidResource(text: String) throws {
        #expect(throws: TrustHubError.self) { try TrustHubResource(json: Self.json(text)) }
    }

    @Test("a list page reads the array named by meta.key and the next page's URL")
    func listPage() throws {
        let page = try TrustHubResourcePage(json: Self.json("""
            {"results": [\(Self.fetched)], "meta": {"page": 0, "page_size": 1,
             "first_page_url": "https://trusthub.twilio.com/v1/CustomerProfiles?PageSize=1&Page=0",
             "previous_page_url": null, "url": "https://trusthub.twilio.com/v1/CustomerProfiles?PageSize=1&Page=0",
             "next_page_url": "https://trusthub.twilio.com/v1/CustomerProfiles?PageSize=1&Page=1&PageToken=PABU1",
             "key": "results"}}
            """))
        #expect(page.profiles.map(\.sid) == ["BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
        #expect(page.nextPageURL == "https://trusthub.twilio.com/v1/CustomerProfiles?PageSize=1&Page=1&PageToken=PABU1")
    }

    @Test("the last page has no next URL; an empty list is a page")
    func lastPage() throws {
        let page = try TrustHubResourcePage(json: Self.json("""
            {"results": [], "meta": {"page": 0, "page_size": 50, "first_page_url": "x", "previous_page_url": null,
             "url": "x", "next_page_url": null, "key": "results"}}
            """))
        #expect(page == TrustHubResourcePage(profiles: [], nextPageURL: nil))
    }

    @Test("a page without meta, or whose key names no array, or with a bad resource, is refused", arguments: [
        #"{"results": []}"#,
        #"{"profiles": [], "meta": {"key": "results"}}"#,
        #"{"results": [{"sid": "nope"}], "meta": {"key": "results"}}"#,
    ])
    func invalidPage(text: String) throws {
        #expect(throws: TrustHubError.self) { try TrustHubResourcePage(json: Self.json(text)) }
    }

    static func response(_ status: Int, _ headers: [(String, String)] = [], _ body: String = "") -> HTTPClientResponse {
        HTTPClientResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    @Test("each status of the API's answer means its error")
    func statuses() throws {
        let twilioError = #"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#
        #expect(throws: TrustHubError.unauthorized(status: 401, detail: "20003 Authenticate")) {
            try TrustHubClient.check(Self.response(401, [], twilioError))
        }
        #expect(throws: TrustHubError.rateLimited(retryAfter: .seconds(7))) {
            try TrustHubClient.check(Self.response(429, [("retry-after", "7")]))
        }
        #expect(throws: TrustHubError.rateLimited(retryAfter: nil)) { try TrustHubClient.check(Self.response(429)) }
        #expect(throws: TrustHubError.unavailable(status: 503, retryAfter: nil)) { try TrustHubClient.check(Self.response(503)) }
        #expect(throws: TrustHubError.notFound) { try TrustHubClient.check(Self.response(404)) }
        #expect(throws: TrustHubError.refused(status: 400, detail: "")) { try TrustHubClient.check(Self.response(400)) }
        #expect(throws: TrustHubError.malformed("an answer that is not JSON")) { try TrustHubClient.check(Self.response(200, [], "<html>")) }
        #expect(try TrustHubClient.check(Self.response(200, [], "{}")) == .object([]))
    }

    @Test("descriptions of errors name neither the API's address nor credentials")
    func descriptionsAreSafe() {
        let errors: [TrustHubError] = [
            .unauthorized(status: 401, detail: "20003 Authenticate"), .rateLimited(retryAfter: .seconds(3)),
            .unavailable(status: 502, retryAfter: nil), .transport(.connect), .transport(.timeout), .notFound,
        ]
        for error in errors {
            #expect(!error.description.contains("http"))
            #expect(!error.description.contains("127.0.0.1"))
        }
        #expect(TrustHubError.transport(.timeout).isTransient)
        #expect(!TrustHubError.unauthorized(status: 401, detail: "").isTransient)
    }

    @Test("a StatusCallback URL is form-encoded byte for byte")
    func formEncoding() {
        #expect(TrustHubClient.formEncode("https://u:p@hooks.example.com/cb?tenant=a b&x=é")
                == "https%3A%2F%2Fu%3Ap%40hooks.example.com%2Fcb%3Ftenant%3Da%20b%26x%3D%C3%A9")
    }

    @Test("pacing: a steady spacing, Retry-After honoured, else a doubling backoff, reset by a success")
    func pacing() {
        var pacing = ReconcilePacing()
        var waits = [pacing.afterSuccess()]
        waits.append(pacing.afterFailure(.rateLimited(retryAfter: .seconds(4))))
        waits.append(pacing.afterFailure(.unavailable(status: 503, retryAfter: nil)))
        waits.append(pacing.afterFailure(.transport(.connect)))
        waits.append(pacing.afterFailure(.rateLimited(retryAfter: .zero)))
        waits.append(pacing.afterFailure(.rateLimited(retryAfter: .seconds(100_000))))
        _ = pacing.afterSuccess()
        waits.append(pacing.afterFailure(.transport(.timeout)))
        #expect(waits == [.milliseconds(200), .seconds(4), .seconds(2), .seconds(4), .milliseconds(200), .seconds(300), .seconds(1)])
    }

    @Test("subscribe changes only the profiles whose StatusCallback differs")
    func subscriptionPlan() {
        let target = "https://hooks.example.com/callbacks/twilio"
        let profiles = [
            TrustHubResource(sid: "BU0000000000000000000000000000000a", status: "draft", statusCallback: target),
            TrustHubResource(sid: "BU0000000000000000000000000000000b", status: "draft", statusCallback: "https://old.example.com/cb"),
            TrustHubResource(sid: "BU0000000000000000000000000000000c", status: "draft"),
        ]
        let plan = SubscriptionPlan(profiles: profiles, target: target)
        #expect(plan.changes.map(\.sid) == ["BU0000000000000000000000000000000b", "BU0000000000000000000000000000000c"])
        #expect(plan.unchanged.map(\.sid) == ["BU0000000000000000000000000000000a"])
        #expect(SubscriptionPlan.displayed("https://user:pw@hooks.example.com/cb").contains("pw") == false)
    }

    @Test("subscribe's target is public_url + callback_path, and needs public_url")
    func subscriptionTarget() throws {
        var configuration = Configuration(databaseURL: "dbname=x")
        #expect(throws: SubscriptionError.self) { try SubscriptionPlan.callbackURL(configuration).get() }
        configuration.publicURL = "https://hooks.example.com/statushook"
        #expect(try SubscriptionPlan.callbackURL(configuration).get() == "https://hooks.example.com/statushook/callbacks/twilio")
    }
}
