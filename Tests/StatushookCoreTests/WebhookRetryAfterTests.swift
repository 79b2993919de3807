import Testing
@testable import StatushookCore

// Unix times below were computed with Python's calendar.timegm(email.utils.parsedate(…)).
@Suite("Webhook: Retry-After")
struct WebhookRetryAfterTests {
    /// Sun, 22 Nov 2026 23:00:00 GMT.
    static let now: Int64 = 1_795_388_400

    @Test("delta-seconds", arguments: [("120", 120), ("0", 0), (" 7 ", 7), ("\t30", 30), ("0086400", 86_400)] as [(String, Int64)])
    func deltaSeconds(_ value: String, _ seconds: Int64) {
        #expect(RetryAfter.delay(value, now: Self.now) == .seconds(seconds))
    }

    @Test("an HTTP-date in each of its three forms is a delay from now",
          arguments: ["Sun, 22 Nov 2026 23:01:30 GMT", "Sunday, 22-Nov-26 23:01:30 GMT", "Sun Nov 22 23:01:30 2026"])
    func httpDate(_ value: String) {
        #expect(RetryAfter.delay(value, now: Self.now) == .seconds(90))
    }

    @Test("asctime pads a one-digit day with a space")
    func asctimePadding() {
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994", now: Self.now) == 784_111_777)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.now) == 784_111_777)
    }

    @Test("a two-digit year more than 50 years ahead is the previous century's")
    func twoDigitYear() {
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: Self.now) == 784_111_777)
    }

    @Test("a leap day parses; a day the month does not have does not")
    func calendar() {
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 12:00:00 GMT", now: Self.now) == 1_709_208_000)
        #expect(HTTPDate.parse("Thu, 29 Feb 2023 12:00:00 GMT", now: Self.now) == nil)
        #expect(HTTPDate.parse("Thu, 31 Apr 2024 12:00:00 GMT", now: Self.now) == nil)
    }

    @Test("a date already past is no delay")
    func pastDate() {
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.now) == .zero)
    }

    @Test("anything else is no Retry-After at all",
          arguments: ["", " ", "-5", "1.5", "+5", "soon", "5s", "Sun, 22 Nov 2026 23:01:30 UTC", "Sun, 22 Nov 2026 25:00:00 GMT",
                      "Sun, 22 Foo 2026 23:01:30 GMT", "Sun, 2 Nov 2026 23:01:30 GMT", "Sun, 22 Nov 26 23:01:30 GMT",
                      "Sun, 22 Nov 2026 23:01 GMT"])
    func notRetryAfter(_ value: String) {
        #expect(RetryAfter.delay(value, now: Self.now) == nil)
    }

    @Test("more digits than fit are a very long time, not an error")
    func hugeDelta() {
        #expect(RetryAfter.delay("99999999999999999999999", now: Self.now) == .seconds(Int64.max))
    }
}
