@testable import StatushookCore
import Testing

@Suite("History list parameters")
struct HistoryListQueryTests {
    static let codec = PageTokenCodec(username: "reader", password: "secret")

    func parse(_ query: Substring?, _ list: HistoryList = .profiles) throws(HistoryQueryError) -> HistoryListQuery {
        try HistoryListQuery.parse(query, list: list, codec: Self.codec)
    }

    func refusal(_ query: Substring, _ list: HistoryList = .profiles) -> String? {
        do throws(HistoryQueryError) {
            _ = try parse(query, list)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("no query string is the first page of 50")
    func defaults() throws {
        let query = try parse(nil)
        #expect(query.pageSize == 50 && query.page == 0 && query.token == nil && query.filters.isEmpty)
        #expect(try parse("") == query)
    }

    @Test("PageSize takes 1 to 1000", arguments: ["1", "50", "999", "1000"])
    func pageSizeAccepted(size: String) throws {
        #expect(try parse("PageSize=\(size)"[...]).pageSize == Int(size))
    }

    @Test("PageSize outside 1 to 1000, or not a plain number, is refused",
          arguments: ["0", "1001", "00", "-1", "+5", "5.0", "ten", "1e3", "99999999999999999999", "%201"])
    func pageSizeRefused(size: String) {
        #expect(refusal("PageSize=\(size)"[...])?.contains("PageSize") == true)
    }

    @Test("Page is echoed, but past the first page only with a PageToken")
    func page() throws {
        #expect(try parse("Page=0").page == 0)
        #expect(refusal("Page=2")?.contains("PageToken") == true)
        #expect(refusal("Page=-1") != nil)
        #expect(refusal("Page=1234567890") != nil)
        let token = Self.codec.encode(PageToken(direction: .after, key: .profile(sid: "BU0123456789abcdef0123456789abcdef")))
        let query = try parse("PageSize=10&Page=3&PageToken=\(token)"[...])
        #expect(query.page == 3 && query.pageSize == 10 && query.tokenText == token)
        #expect(query.token == Self.codec.decode(token, for: .profiles))
    }

    @Test("a PageToken that is not this list's own is refused")
    func badToken() {
        let token = Self.codec.encode(PageToken(direction: .after, key: .delivery(id: 5)))
        #expect(refusal("PageToken=\(token)"[...], .profiles)?.contains("PageToken") == true)
        #expect(refusal("PageToken=\(token)"[...], .deliveries) == nil)
        #expect(refusal("PageToken=PAxyz") != nil)
    }

    @Test("filters are kept in the list's order as received; unknown names are ignored")
    func filters() throws {
        let query = try parse("PolicySid=RN1&Foo=bar&Status=twilio-approved&FriendlyName=Caf%C3%A9+Bar")
        #expect(query.filters == [.init(name: "Status", value: "twilio-approved"), .init(name: "FriendlyName", value: "Café Bar"),
                                  .init(name: "PolicySid", value: "RN1")])
        #expect(query.filter("Status") == "twilio-approved" && query.filter("Sink") == nil)
        #expect(try parse("State=dead&Sink=ops&Sid=BU1", .deliveries).filters.map(\.name) == ["State", "Sink", "Sid"])
        #expect(try parse("status=draft").filters.isEmpty)  // names are case-sensitive, as Twilio's
    }

    @Test("a parameter given twice, empty, with a control character or a bad escape is refused",
          arguments: ["Status=a&Status=b", "PageSize=5&PageSize=5", "Status=", "FriendlyName=a%00b",
                      "FriendlyName=a%0Ab", "Status=%zz", "Status=%FF"])
    func malformed(query: String) {
        #expect(refusal(query[...]) != nil)
    }

    @Test("date filters take a date or a time with Z or an offset")
    func dates() throws {
        let query = try parse("DateCreatedAfter=2026-11-21&DateCreatedBefore=2026-11-22T10:00:00%2B01:00", .transitions)
        #expect(query.dateFilter("DateCreatedAfter") == "2026-11-21T00:00:00Z")
        #expect(query.dateFilter("DateCreatedBefore") == "2026-11-22T10:00:00+01:00")
        #expect(query.filter("DateCreatedAfter") == "2026-11-21")
        // An unencoded + arrives as a space.
        #expect(refusal("DateCreatedBefore=2026-11-22T10:00:00+01:00", .transitions)?.contains("%2B") == true)
        #expect(refusal("DateCreatedAfter=2026-13-01", .transitions) != nil)
        // Dates mean nothing to profiles: ignored there, as any unknown name.
        #expect(try parse("DateCreatedAfter=nonsense", .profiles).filters.isEmpty)
    }
}
