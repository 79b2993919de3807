@testable import StatushookCore
import Testing

@Suite("History pages")
struct HistoryPageTests {
    static let codec = PageTokenCodec(username: "reader", password: "secret")

    /// Deliveries 10, 9, 8, … as a keyset query returns them (newest first).
    func deliveries(_ ids: [Int64]) -> [DeliveryRecord] {
        ids.map { DeliveryRecord(id: $0, transitionID: $0, sid: nil, sink: "log", state: "delivered", attemptCount: 1,
                                 createdAt: "2026-11-22T10:00:00.000000Z", nextAttemptAt: "2026-11-22T10:00:00.000000Z") }
    }

    func after(_ id: Int64) -> PageToken { PageToken(direction: .after, key: .delivery(id: id)) }
    func before(_ id: Int64) -> PageToken { PageToken(direction: .before, key: .delivery(id: id)) }

    @Test("a first page with more rows points after its last row and has no previous page")
    func firstPage() {
        let window = KeysetWindow(fetched: deliveries([10, 9, 8]), pageSize: 2, token: nil)
        #expect(window.rows.map(\.id) == [10, 9])
        #expect(window.next == after(9) && window.previous == nil)
    }

    @Test("the last page has no next page; a later page points back before its first row")
    func lastPage() {
        let window = KeysetWindow(fetched: deliveries([8, 7]), pageSize: 2, token: after(9))
        #expect(window.rows.map(\.id) == [8, 7])
        #expect(window.next == nil && window.previous == before(8))
        let empty = KeysetWindow(fetched: deliveries([]), pageSize: 2, token: after(1))
        #expect(empty.rows.isEmpty && empty.next == nil && empty.previous == nil)
    }

    @Test("a page read backwards is put back in list order, with both neighbours")
    func backwards() {
        // Before 6: the query reads 7, 8, 9 (ascending); the page is 8, 7 with more before it.
        let window = KeysetWindow(fetched: deliveries([7, 8, 9]), pageSize: 2, token: before(6))
        #expect(window.rows.map(\.id) == [8, 7])
        #expect(window.next == after(7) && window.previous == before(8))
        let start = KeysetWindow(fetched: deliveries([9, 10]), pageSize: 2, token: before(8))
        #expect(start.rows.map(\.id) == [10, 9] && start.previous == nil && start.next == after(9))
    }

    @Test("a page is Twilio's list shape, filters echoed before the paging parameters")
    func shape() throws {
        var query = try HistoryListQuery.parse("Status=in review&FriendlyName=a%26b", list: .profiles, codec: Self.codec)
        query.pageSize = 2
        let page = HistoryPage(query: query, base: "https://h.example/p", path: "/v1/CustomerProfiles", items: [.int(1)],
                               next: "PAnext", previous: nil)
        let meta = "https://h.example/p/v1/CustomerProfiles?Status=in%20review&FriendlyName=a%26b&PageSize=2"
        #expect(page.json.text == """
            {"results":[1],"meta":{"page":0,"page_size":2,"first_page_url":"\(meta)&Page=0","previous_page_url":null,\
            "url":"\(meta)&Page=0","next_page_url":"\(meta)&Page=1&PageToken=PAnext","key":"results"}}
            """)
    }

    @Test("a later page's own url carries its token; previous goes one page back")
    func laterPage() throws {
        let token = Self.codec.encode(after(9))
        let query = try HistoryListQuery.parse("Page=4&PageToken=\(token)"[...], list: .deliveries, codec: Self.codec)
        let page = HistoryPage(query: query, base: "http://h", path: "/v1/Deliveries", items: [], next: nil, previous: "PBx")
        guard case .object(let members) = page.json, case .object(let meta)? = members.last?.1 else {
            Issue.record("not an object")
            return
        }
        #expect(members.first?.0 == "deliveries")
        let value = { (name: String) in meta.first { $0.0 == name }?.1 }
        #expect(value("url") == .string("http://h/v1/Deliveries?PageSize=50&Page=4&PageToken=\(token)"))
        #expect(value("previous_page_url") == .string("http://h/v1/Deliveries?PageSize=50&Page=3&PageToken=PBx"))
        #expect(value("next_page_url") == .null && value("page") == .int(4) && value("key") == .string("deliveries"))
    }

    @Test("values are percent-encoded except RFC 3986's unreserved characters")
    func percentEncoding() {
        #expect(HistoryPage.percentEncoded("aZ09-._~") == "aZ09-._~")
        #expect(HistoryPage.percentEncoded("a b+c&d=é/") == "a%20b%2Bc%26d%3D%C3%A9%2F")
    }

    @Test("page URLs never carry the userinfo public_url may hold for signatures")
    func userinfo() {
        #expect(HistoryPage.base(fromExternalURL: "https://u:p@h.example:8443/x") == "https://h.example:8443/x")
        #expect(HistoryPage.base(fromExternalURL: "https://h.example/a@b") == "https://h.example/a@b")
        #expect(HistoryPage.base(fromExternalURL: "http://127.0.0.1:8080") == "http://127.0.0.1:8080")
    }
}
