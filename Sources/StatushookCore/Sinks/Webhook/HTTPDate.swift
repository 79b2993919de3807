/// HTTP-dates (RFC 9110 §5.6.7) as unix seconds: the preferred IMF-fixdate and the two obsolete
/// forms that recipients must still accept.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` or
    /// `Sun Nov  6 08:49:37 1994`. A two-digit year is the latest one that is not more than 50
    /// years after `now` (RFC 9110). The weekday is not checked against the date.
    static func parse(_ text: String, now: Int64) -> Int64? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        switch words.count {
        case 6 where words[5] == "GMT":
            // IMF-fixdate: weekday, day, month, year, time, GMT.
            guard words[1].count == 2, words[3].count == 4 else { return nil }
            return seconds(day: words[1], month: words[2], year: words[3], time: words[4])
        case 4 where words[3] == "GMT":
            // RFC 850: weekday, dd-Mon-yy, time, GMT.
            let date = words[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard date.count == 3, date[0].count == 2, date[2].count == 2, let yy = Int64(date[2]) else { return nil }
            return seconds(day: date[0], month: date[1], year: String(centuryYear(yy, now: now)), time: words[2])
        case 5:
            // asctime: weekday, month, day (space-padded), time, year.
            guard (1...2).contains(words[2].count), words[4].count == 4 else { return nil }
            return seconds(day: words[2], month: words[1], year: words[4], time: words[3])
        default:
            return nil
        }
    }

    private static func seconds(day: String, month: String, year: String, time: String) -> Int64? {
        guard let day = digits(day), let year = digits(year),
              let month = months.firstIndex(of: month.lowercased()).map({ Int64($0) + 1 }) else { return nil }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
              let hour = digits(clock[0]), let minute = digits(clock[1]), let second = digits(clock[2]),
              hour < 24, minute < 60, second < 61, day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return daysFromEpoch(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    private static func digits(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(text)
    }

    private static func centuryYear(_ yy: Int64, now: Int64) -> Int64 {
        let currentYear = civilYear(daysSinceEpoch: now / 86_400)
        var year = currentYear - currentYear % 100 + yy
        if year > currentYear + 50 { year -= 100 }
        return year
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year a day since the epoch falls in (the inverse of `daysFromEpoch`, year only).
    private static func civilYear(daysSinceEpoch: Int64) -> Int64 {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        return yearOfEra + era * 400 + (monthIndex >= 10 ? 1 : 0)
    }
}
