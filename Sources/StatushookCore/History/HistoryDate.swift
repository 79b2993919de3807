/// Times as the history API reads and writes them.
enum HistoryDate {
    /// Twilio's form, whole seconds in UTC (`2026-11-22T10:00:00Z`), from `statushook_rfc3339`'s
    /// microseconds (truncated: Twilio's SDKs parse only this form). Other text passes unchanged.
    static func twilio(_ stored: String) -> String {
        isStoredTimestamp(Substring(stored)) ? stored.prefix(19) + "Z" : stored
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly what `statushook_rfc3339` writes.
    static func isStoredTimestamp(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 27, bytes[19] == UInt8(ascii: "."), bytes[26] == UInt8(ascii: "Z"),
              bytes[20..<26].allSatisfy(isDigit) else { return false }
        return isDateTime(bytes[0..<19])
    }

    /// The value of a date filter as PostgreSQL should read it, or nil when it is not a date.
    ///
    /// Takes what Twilio's SDKs send: a date (`2026-11-22`, midnight UTC) or a date and time
    /// with seconds, an optional fraction of up to 6 digits, and `Z` or an offset `±HH:MM`.
    /// Every field is checked here (month lengths, leap years), so PostgreSQL never refuses one.
    static func filterValue(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        if bytes.count == 10 {
            return isDate(bytes[...]) ? text + "T00:00:00Z" : nil
        }
        guard bytes.count >= 20, isDateTime(bytes[0..<19]) else { return nil }
        var rest = bytes[19...]
        if rest.first == UInt8(ascii: ".") {
            let fraction = rest.dropFirst().prefix(while: isDigit)
            guard (1...6).contains(fraction.count) else { return nil }
            rest = rest.dropFirst(1 + fraction.count)
        }
        if rest.elementsEqual("Z".utf8) { return text }
        guard rest.count == 6, rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-"),
              rest[rest.startIndex + 3] == UInt8(ascii: ":"),
              let hours = number(rest.dropFirst().prefix(2)), let minutes = number(rest.suffix(2)),
              hours <= 14, minutes <= 59 else { return nil }
        return text
    }

    /// `YYYY-MM-DDTHH:MM:SS`.
    private static func isDateTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 19, isDate(bytes.prefix(10)) else { return false }
        let time = Array(bytes.suffix(9))
        guard time[0] == UInt8(ascii: "T"), time[3] == UInt8(ascii: ":"), time[6] == UInt8(ascii: ":"),
              let hour = number(time[1..<3]), let minute = number(time[4..<6]), let second = number(time[7..<9]),
              hour <= 23, minute <= 59, second <= 59 else { return false }
        return true
    }

    /// `YYYY-MM-DD`, a day that exists, years 0001–9999.
    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let date = Array(bytes)
        guard date.count == 10, date[4] == UInt8(ascii: "-"), date[7] == UInt8(ascii: "-"),
              let year = number(date[0..<4]), let month = number(date[5..<7]), let day = number(date[8..<10]),
              year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return false }
        return true
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Decimal digits only (no sign, no spaces).
    private static func number(_ bytes: some Collection<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte)
    }
}
