import Foundation
@testable import StatushookCore
import Testing

@Suite("Operator page rendering")
struct OperatorPageRenderTests {
    static let now: Int64 = 1_796_000_000
    static let sid = "BU0123456789abcdef0123456789abcdef"
    static let hostile = "<script>alert(\"x\")</script> & 'Acme' é 日本"

    func at(_ secondsAgo: Int64) -> PageTime {
        let epoch = Self.now - secondsAgo
        return PageTime(text: Timestamp.iso8601(seconds: epoch, microseconds: 0), epoch: epoch)
    }

    @Test("relative times and durations read as people say them")
    func relativeTimes() {
        #expect(PageFigures.relative(Self.now - 30, now: Self.now) == "just now")
        #expect(PageFigures.relative(Self.now - 3 * 3_600 - 100, now: Self.now) == "3 h ago")
        #expect(PageFigures.relative(Self.now + 240, now: Self.now) == "in 4 min")
        #expect(PageFigures.relative(Self.now - 2 * 86_400, now: Self.now) == "2 d ago")
        #expect(PageFigures.duration(45) == "45 s")
        #expect(PageFigures.duration(3 * 3_600 + 20 * 60 + 5) == "3 h 20 min")
        #expect(PageFigures.duration(2 * 86_400) == "2 d")
        #expect(PageFigures.utc("2026-12-06T04:30:12.123456Z") == "2026-12-06 04:30:12 UTC")
    }

    @Test("weeks start on Monday, UTC")
    func weeks() {
        // 2026-12-06 is a Sunday, 2026-12-07 a Monday.
        #expect(PageFigures.weekStart(1_796_601_600 - 1) == "2026-11-30")
        #expect(PageFigures.weekStart(1_796_601_600) == "2026-12-07")
        #expect(PageFigures.weekStart(0) == "1969-12-29")
    }

    @Test("percentiles are nearest-rank; weekly stats and the histogram count every sample")
    func reviewFigures() {
        #expect(PageFigures.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5) == 5)
        #expect(PageFigures.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9)
        #expect(PageFigures.percentile([7], 0.9) == 7)
        #expect(PageFigures.percentile([], 0.5) == nil)
        let samples = [600, 7_200, 7_300, 90_000, 2_000_000].map { ReviewSample(verdict: "twilio-approved", epoch: 1_796_601_600, seconds: $0) }
            + [ReviewSample(verdict: "twilio-rejected", epoch: 1_796_601_600 - 86_400, seconds: 100)]
        let weeks = PageFigures.weekly(samples)
        #expect(weeks.map(\.week) == ["2026-12-07", "2026-11-30"])
        #expect(weeks[0] == PageFigures.WeekStats(week: "2026-12-07", count: 5, approved: 5, p50: 7_300, p90: 2_000_000, max: 2_000_000,
                                                  histogram: [1, 2, 0, 0, 1, 0, 0, 0, 1]))
        #expect(PageFigures.week("2026-11-23", []) == PageFigures.WeekStats(week: "2026-11-23", count: 0, approved: 0, histogram: Array(repeating: 0, count: 9)))
        #expect(PageFigures.weekStartEpoch(1_796_601_600 + 6 * 86_400 + 86_399) == 1_796_601_600)
        let histogram = PageFigures.histogram(samples)
        #expect(histogram.map(\.count) == [2, 2, 0, 0, 1, 0, 0, 0, 1])
        #expect(histogram.first?.label == "< 1 h" && histogram.last?.label == "≥ 2 w")
    }

    @Test("error codes per rejection: from the failure reason, else from Twilio's errors; 7 and 30 days")
    func codeCounts() {
        let recent = [
            RecentRejection(failureReason: "Error 18601: name; 18602", errors: nil, epoch: Self.now - 86_400),
            RecentRejection(failureReason: "Error 18601 again", errors: nil, epoch: Self.now - 20 * 86_400),
            RecentRejection(failureReason: "no code here", errors: #"[{"code": 18606}]"#, epoch: Self.now - 3 * 86_400),
            RecentRejection(failureReason: nil, errors: nil, epoch: Self.now - 10 * 86_400),
            RecentRejection(failureReason: "Error 18601", errors: nil, epoch: Self.now - 40 * 86_400),
        ]
        #expect(PageFigures.codeCounts(recent, now: Self.now) == [
            .init(code: "18601", last7Days: 1, last30Days: 2),
            .init(code: "18602", last7Days: 1, last30Days: 1),
            .init(code: "18606", last7Days: 1, last30Days: 1),
            .init(code: nil, last7Days: 0, last30Days: 1),
        ])
    }

    @Test("a hostile friendly name and failure reason are text on every page that shows them")
    func hostileValues() {
        let row = ProfileRow(sid: Self.sid, kind: .customerProfile, friendlyName: Self.hostile, status: "twilio-rejected", since: at(3_700))
        let transition = TransitionRow(id: 7, sid: Self.sid, fromStatus: "in-review", toStatus: "twilio-rejected",
                                       failureReason: Self.hostile + " 18601", at: at(3_700))
        let pages = [
            OperatorPages.profiles([row], query: ProfilesQuery(search: Self.hostile), now: Self.now),
            OperatorPages.profile(ProfileDetail(row: row), transitions: [transition], deliveries: [], now: Self.now),
            OperatorPages.rejections(latest: [RejectionRow(transition: transition, friendlyName: Self.hostile)], recent: [], now: Self.now),
        ]
        for page in pages.map(\.rendered) {
            #expect(!page.contains("<script"))
            #expect(page.contains("&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'Acme' é 日本"))
        }
        #expect(pages[0].rendered.contains("value=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Acme&#39; é 日本\""))
    }

    @Test("one profile: its timeline, error codes linked to Twilio's pages, a dead delivery's replay command")
    func profilePage() {
        let row = ProfileRow(sid: Self.sid, kind: .trustProduct, friendlyName: "Acme", status: "twilio-rejected", since: at(3 * 3_600 + 60))
        let transitions = [
            TransitionRow(id: 9, sid: Self.sid, fromStatus: "in-review", toStatus: "twilio-rejected", failureReason: "Error 18601: EIN", at: at(3 * 3_600 + 60)),
            TransitionRow(id: 8, sid: Self.sid, toStatus: "in-review", at: at(86_400)),
        ]
        let dead = DeliveryRow(id: 812, transitionID: 9, sink: "ops", state: "dead", attemptCount: 3, lastError: "HTTP 500",
                               created: at(3 * 3_600), nextAttempt: at(3 * 3_600),
                               attempts: [.init(attempt: 1, worker: "w", startedAt: "2026-12-06T01:00:00.000000Z", durationMilliseconds: 12, outcome: "transient", detail: "HTTP 500")])
        let html = OperatorPages.profile(ProfileDetail(row: row, errors: #"[{"code": 18602}]"#), transitions: transitions, deliveries: [dead], now: Self.now).rendered
        #expect(html.contains("<h1>Trust product \(Self.sid)</h1>"))
        #expect(html.contains("<a href=\"https://www.twilio.com/docs/errors/18601\" class=\"code\">18601</a>"))
        #expect(html.contains("<a href=\"https://www.twilio.com/docs/errors/18602\" class=\"code\">18602</a>"))
        #expect(html.contains("in-review</span> → <span class=\"status status-twilio-rejected\">twilio-rejected"))
        #expect(html.contains("first seen as <span class=\"status status-in-review\">in-review"))
        #expect(html.contains("<code>statushook replay --id 812</code>"))
        #expect(html.contains("(3 h ago)"))
        #expect(html.contains("href=\"/v1/TrustProducts/\(Self.sid)/Transitions\""))
        #expect(html.firstRange(of: "TR9")!.lowerBound < html.firstRange(of: "TR8")!.lowerBound, "newest first")
    }

    @Test("the overview counts resources by status and kind and links each count to its list")
    func overview() {
        let data = OverviewData(
            statusCounts: [StatusCount(kind: .customerProfile, status: "pending-review", count: 4),
                           StatusCount(kind: .trustProduct, status: "twilio-rejected", count: 2),
                           StatusCount(kind: .customerProfile, status: "in-review", count: 1)],
            countedAt: Self.now - 4,
            deliveryCounts: [SinkStateCount(sink: "ops", state: "dead", count: 3)],
            sinks: [SinkHealthRow(sink: "ops", configured: true, paused: true, pausedReason: "HTTP 410 <gone>", pausedAt: at(60),
                                  consecutiveFailures: 5, lastError: "HTTP 410", lastErrorAt: at(60))],
            ready: true, readiness: [("database", "connected")])
        let html = OperatorPages.overview(data, now: Self.now).rendered
        #expect(html.contains("<a href=\"/ui/profiles?status=pending-review&amp;kind=customer_profile\">4</a>"))
        #expect(html.contains("<a href=\"/ui/profiles?status=twilio-rejected&amp;kind=trust_product\">2</a>"))
        #expect(html.contains("Waiting for Twilio: 5"))
        #expect(html.contains("Counted just now; the count is kept 10 s."))
        #expect(html.contains("HTTP 410 &lt;gone&gt;"))
        #expect(html.contains("<span class=\"status status-paused\">paused</span>"))
        #expect(html.contains("<th scope=\"col\">Status</th>"))
        #expect(!html.contains("<script") && !html.contains("style="))
    }

    @Test("the profiles list pages by keyset: a next link after its last row, none on the last page")
    func paging() {
        let rows = (0...OperatorPageSQL.pageSize).map { index in
            ProfileRow(sid: "BU" + String(repeating: "0", count: 30) + String(format2(index)), status: "pending-review", since: at(Int64(1_000 - index)))
        }
        let waiting = OperatorPages.profiles(rows, query: ProfilesQuery(waiting: true), now: Self.now).rendered
        let last = rows[OperatorPageSQL.pageSize - 1]
        #expect(waiting.contains("href=\"/ui/profiles?waiting=1&amp;after=\(URLComponent.encode(last.since.text + "~" + last.sid))\" rel=\"next\""))
        #expect(!waiting.contains(rows[OperatorPageSQL.pageSize].sid), "the extra row only tells that a next page exists")
        let lastPage = OperatorPages.profiles(Array(rows.prefix(3)), query: ProfilesQuery(status: "pending-review", after: rows[0].sid), now: Self.now).rendered
        #expect(!lastPage.contains("rel=\"next\"") && lastPage.contains("← First page"))
        #expect(lastPage.contains("href=\"/v1/CustomerProfiles?Status=pending-review\""))
    }

    func format2(_ value: Int) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }

    @Test("the histogram is an SVG with one bar per bucket, heights in proportion")
    func histogram() {
        let html = OperatorPages.histogramSVG([("a", 10), ("b", 5), ("c", 0)]).rendered
        #expect(html.contains("<svg viewBox=\"0 0 640 260\""))
        #expect(html.components(separatedBy: "<rect ").count - 1 == 3)
        #expect(html.contains("height=\"196\" data-count=\"10\""))
        #expect(html.contains("height=\"98\" data-count=\"5\""))
        #expect(html.contains("height=\"0\" data-count=\"0\""))
    }

    @Test("the deliveries page groups by sink and gives the exact replay commands")
    func deliveriesPage() {
        let dead = DeliveryRow(id: 41, transitionID: 5, sid: Self.sid, toStatus: "twilio-approved", sink: "ops hook", state: "dead",
                               attemptCount: 8, lastError: "HTTP 503", created: at(600), nextAttempt: at(600), finished: at(60))
        let retrying = DeliveryRow(id: 42, transitionID: 6, sid: Self.sid, toStatus: "in-review", sink: "log", state: "pending",
                                   attemptCount: 2, lastError: "timeout", created: at(600), nextAttempt: at(-120))
        let html = OperatorPages.deliveries(dead: [dead], retrying: [retrying], now: Self.now).rendered
        #expect(html.contains("<code class=\"command\">statushook replay --id 41</code>"))
        #expect(html.contains("statushook replay --sink &#39;ops hook&#39;") || html.contains("statushook replay --sink 'ops hook'"))
        #expect(html.contains("(in 2 min)"))
        #expect(html.firstRange(of: "Sink log")!.lowerBound < html.firstRange(of: "Sink ops hook")!.lowerBound)
    }

    @Test("routes: pages, a SID, filters checked before any database work")
    func routes() throws {
        #expect(try OperatorPageRoute.parse(path: "/ui/", query: nil).get() == .overview)
        #expect(try OperatorPageRoute.parse(path: "/ui/profiles/\(Self.sid)"[...], query: nil).get() == .profile(sid: Self.sid))
        #expect(try OperatorPageRoute.parse(path: "/ui/profiles", query: "status=twilio-rejected&kind=trust_product&q=Acme+Co")
            .get() == .profiles(ProfilesQuery(status: "twilio-rejected", kind: .trustProduct, search: "Acme Co")))
        #expect(try OperatorPageRoute.parse(path: "/ui/profiles", query: "status=&kind=&q=").get() == .profiles(ProfilesQuery()))
        let cursor = "2026-12-06T04:30:12.123456Z~\(Self.sid)"
        #expect(try OperatorPageRoute.parse(path: "/ui/profiles", query: Substring("waiting=1&after=" + URLComponent.encode(cursor))).get()
            == .profiles(ProfilesQuery(waiting: true, after: cursor)))
        for (query, message) in [("kind=robot", "kind takes"), ("status=%3Cx%3E", "status takes"), ("after=nope", "after is not"),
                                 ("waiting=1&after=\(Self.sid)", "after is not"), ("status=draft&status=draft", "twice")] {
            guard case .failure(let error) = OperatorPageRoute.parse(path: "/ui/profiles", query: Substring(query)) else {
                Issue.record("\(query) was taken"); continue
            }
            #expect(error.status == 400 && error.message.contains(message), "\(query): \(error.message)")
        }
        guard case .failure(let missing) = OperatorPageRoute.parse(path: "/ui/profiles/BUnope", query: nil) else { Issue.record("taken"); return }
        #expect(missing.status == 404)
    }

    @Test("search: BU and hex is a SID prefix; anything else a name prefix with the next string as the range's end")
    func search() {
        #expect(OperatorSearch("BU01") == .sid(prefix: "BU01", end: "BU02"))
        #expect(OperatorSearch("bu09") == .sid(prefix: "BU09", end: "BU0a"))
        #expect(OperatorSearch("BUf") == .sid(prefix: "BUf", end: "BUg"))
        #expect(OperatorSearch("Acme") == .name(prefix: "Acme", end: "Acmf"))
        #expect(OperatorSearch("é") == .name(prefix: "é", end: "ê"))
        #expect(OperatorSearch("a\u{10FFFF}") == .name(prefix: "a\u{10FFFF}", end: "b"))
        #expect(OperatorSearch.successor(of: "\u{10FFFF}") == nil)
        #expect(OperatorSearch.successor(of: "x\u{D7FF}") == "x\u{E000}")
    }
}
