/// The numbers and words the pages compute from records: pure, tested apart from the HTML.
enum PageFigures {
    /// "just now", "5 min ago", "3 h ago", "2 d ago"; "in 4 min" for a time to come.
    static func relative(_ epoch: Int64, now: Int64) -> String {
        let delta = now - epoch
        let span = duration(abs(delta), coarse: true)
        if abs(delta) < 60 { return "just now" }
        return delta > 0 ? "\(span) ago" : "in \(span)"
    }

    /// A span of seconds for people: "45 s", "12 min", "3 h 20 min", "2 d 4 h"; `coarse` keeps
    /// the first unit only.
    static func duration(_ seconds: Int64, coarse: Bool = false) -> String {
        let seconds = max(seconds, 0)
        let units: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")]
        for (index, (size, name)) in units.enumerated() where seconds >= size || size == 1 {
            let whole = seconds / size
            if coarse || index + 1 == units.count { return "\(whole) \(name)" }
            let (nextSize, nextName) = units[index + 1]
            let rest = (seconds % size) / nextSize
            return rest == 0 ? "\(whole) \(name)" : "\(whole) \(name) \(rest) \(nextName)"
        }
        return "0 s"
    }

    /// `2026-12-06T04:30:12.123456Z` as `2026-12-06 04:30:12 UTC`.
    static func utc(_ rfc3339: String) -> String {
        guard rfc3339.utf8.count >= 19 else { return rfc3339 }
        return rfc3339.prefix(10) + " " + rfc3339.dropFirst(11).prefix(8) + " UTC"
    }

    /// The Monday 00:00 UTC that starts the ISO week of `epoch`, as epoch seconds.
    static func weekStartEpoch(_ epoch: Int64) -> Int64 {
        let day = Int64((Double(epoch) / 86_400).rounded(.down))
        // 1970-01-01 was a Thursday: three days after a Monday.
        return (day - ((day + 3) % 7 + 7) % 7) * 86_400
    }

    /// The day (`2026-11-30`) of the Monday that starts the ISO week of `epoch`, UTC.
    static func weekStart(_ epoch: Int64) -> String {
        String(Timestamp.iso8601(seconds: weekStartEpoch(epoch), microseconds: 0).prefix(10))
    }

    /// The nearest-rank percentile `p` (0…1) of sorted values; nil when there are none.
    static func percentile(_ sorted: [Int64], _ p: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// One week of review times: what the weekly table shows and the week's histogram counts.
    struct WeekStats: Sendable, Equatable {
        var week: String
        var count: Int
        var approved: Int
        /// Nil for a week without verdicts.
        var p50: Int64?
        var p90: Int64?
        var max: Int64?
        /// Per ``buckets``.
        var histogram: [Int]
        /// The week had more verdicts than were read.
        var truncated = false
    }

    /// A week's figures from its verdicts.
    static func week(_ week: String, _ samples: [ReviewSample], truncated: Bool = false) -> WeekStats {
        let sorted = samples.map(\.seconds).sorted()
        return WeekStats(week: week, count: samples.count, approved: samples.filter { $0.verdict == "twilio-approved" }.count,
                         p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), max: sorted.last,
                         histogram: histogram(samples).map(\.count), truncated: truncated)
    }

    /// Review times per week of the verdict, newest week first.
    static func weekly(_ samples: [ReviewSample]) -> [WeekStats] {
        var byWeek: [String: [ReviewSample]] = [:]
        for sample in samples { byWeek[weekStart(sample.epoch), default: []].append(sample) }
        return byWeek.keys.sorted(by: >).map { week($0, byWeek[$0]!) }
    }

    /// The histogram's buckets: an upper bound in seconds (exclusive; nil for the last) and a label.
    static let buckets: [(upper: Int64?, label: String)] = [
        (3_600, "< 1 h"), (4 * 3_600, "1–4 h"), (12 * 3_600, "4–12 h"), (86_400, "12–24 h"),
        (2 * 86_400, "1–2 d"), (4 * 86_400, "2–4 d"), (7 * 86_400, "4–7 d"), (14 * 86_400, "1–2 w"), (nil, "≥ 2 w"),
    ]

    /// How many review times fall in each of ``buckets``.
    static func histogram(_ samples: [ReviewSample]) -> [(label: String, count: Int)] {
        var counts = Array(repeating: 0, count: buckets.count)
        for sample in samples {
            let index = buckets.firstIndex { $0.upper.map { sample.seconds < $0 } ?? true }!
            counts[index] += 1
        }
        return zip(buckets, counts).map { ($0.label, $1) }
    }

    struct CodeCount: Sendable, Equatable {
        /// A Twilio error code; nil for rejections that named none.
        var code: String?
        var last7Days: Int
        var last30Days: Int
    }

    /// Rejections per error code over the last 7 and 30 days, most frequent (over 30 days) first.
    /// A rejection naming two codes counts for each.
    static func codeCounts(_ recent: [RecentRejection], now: Int64) -> [CodeCount] {
        var counts: [String?: (Int, Int)] = [:]
        for rejection in recent where now - rejection.epoch <= 30 * 86_400 {
            let codes: [String?] = rejection.errorCodes.isEmpty ? [nil] : rejection.errorCodes
            let recentWeek = now - rejection.epoch <= 7 * 86_400
            for code in codes {
                let (week, month) = counts[code] ?? (0, 0)
                counts[code] = (week + (recentWeek ? 1 : 0), month + 1)
            }
        }
        return counts.map { CodeCount(code: $0.key, last7Days: $0.value.0, last30Days: $0.value.1) }
            .sorted { ($0.last30Days, $1.code ?? "~") > ($1.last30Days, $0.code ?? "~") }
    }
}
