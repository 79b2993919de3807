import Foundation

/// A value a statement returned that cannot be read as the caller asked: a bug in the caller's
/// SQL, or a schema out of step with the binary. The one error every row reader throws.
public struct PostgresDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: String
    /// The value as PostgreSQL sent it (text format); nil for SQL NULL.
    public var value: String?
    /// What the caller asked for: `bigint`, `boolean`, `text`, `timestamptz`, …
    public var expected: String

    public init(column: String, value: String?, expected: String) {
        self.column = column
        self.value = value
        self.expected = expected
    }

    public var description: String {
        "the query returned \(value.map { "\"\($0.prefix(80))\"" } ?? "NULL") for \(column), not a \(expected)"
    }
}

/// A Swift value read from PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// The PostgreSQL type named in errors.
    static var postgresTypeName: String { get }
    /// Nil when `text` is not this type's text form.
    init?(postgresText text: String)
}

extension String: PostgresDecodable {
    public static var postgresTypeName: String { "text" }
    public init?(postgresText text: String) { self = text }
}

extension Int64: PostgresDecodable {
    public static var postgresTypeName: String { "bigint" }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int: PostgresDecodable {
    public static var postgresTypeName: String { "integer" }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public static var postgresTypeName: String { "integer" }
    public init?(postgresText text: String) { self.init(text) }
}

extension Bool: PostgresDecodable {
    public static var postgresTypeName: String { "boolean" }
    /// PostgreSQL writes a boolean `t` or `f`.
    public init?(postgresText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
}

extension Duration: PostgresDecodable {
    public static var postgresTypeName: String { "number of seconds" }
    /// A decimal number of seconds, as `EXTRACT(EPOCH FROM …)` writes it (`5`, `0.250000`, `-3.5`),
    /// to the microsecond.
    public init?(postgresText text: String) {
        let negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.utf8.count <= 15, whole.allSatisfy(\.isASCIIDigit),
              let seconds = Int64(whole) else { return nil }
        var micros: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            let digits = String(fraction.prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)
            micros = Int64(digits) ?? 0
        }
        let total = Duration.seconds(seconds) + Duration.microseconds(micros)
        self = negative ? .zero - total : total
    }
}

extension Date: PostgresDecodable {
    public static var postgresTypeName: String { "timestamptz" }
    /// A `timestamptz` in PostgreSQL's ISO output (`2026-11-22 10:00:00.123456+00`, any offset,
    /// seconds fraction optional) or RFC 3339 (`2026-11-22T10:00:00.123456Z`).
    public init?(postgresText text: String) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

/// A one-dimensional array (`{a,"b c",NULL}`) of elements PostgreSQL wrote in text form.
extension Array: PostgresDecodable where Element: PostgresDecodable {
    public static var postgresTypeName: String { Element.postgresTypeName + "[]" }
    public init?(postgresText text: String) {
        guard let elements = PostgresArrayText.elements(of: text) else { return nil }
        var values: [Element] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard let element, let value = Element(postgresText: element) else { return nil }
            values.append(value)
        }
        self = values
    }
}

/// JSON as PostgreSQL sent it (`json`, `jsonb`), for the caller's own parser.
public struct PostgresJSONText: PostgresDecodable, Equatable {
    public var text: String
    public static var postgresTypeName: String { "json" }
    public init?(postgresText text: String) {
        guard let first = text.first(where: { !$0.isWhitespace }), "{[\"-0123456789tfn".contains(first) else { return nil }
        self.text = text
    }
}

extension PostgresRow {
    /// The value of `column` as `T`; SQL NULL or another type's text is a ``PostgresDecodingError``.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresDecodingError) -> T {
        guard let text = self[column], let value = T(postgresText: text) else {
            throw PostgresDecodingError(column: column, value: self[column], expected: T.postgresTypeName)
        }
        return value
    }

    /// The value of `column` as `T`, nil for SQL NULL; another type's text is a ``PostgresDecodingError``.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresDecodingError) -> T? {
        guard let text = self[column] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresDecodingError(column: column, value: text, expected: T.postgresTypeName)
        }
        return value
    }
}

extension PostgresRows {
    /// The value of `column` in the first row as `T`; no row at all is an error too.
    public func single<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresDecodingError) -> T {
        guard let first else { throw PostgresDecodingError(column: column, value: nil, expected: T.postgresTypeName + " (no row)") }
        return try first.decode(column, as: type)
    }
}

/// Reading PostgreSQL's array text format.
enum PostgresArrayText {
    /// The elements of a one-dimensional array literal, nil for NULL; nil when `text` is not one.
    static func elements(of text: String) -> [String?]? {
        var bytes = Array(text.utf8)[...]
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        bytes = bytes.dropFirst().dropLast()
        var elements: [String?] = []
        guard !bytes.isEmpty else { return elements }
        var index = bytes.startIndex
        while true {
            var element: [UInt8] = []
            var quoted = false
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while true {
                    guard index < bytes.endIndex else { return nil }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < bytes.endIndex else { return nil }
                        element.append(bytes[index + 1])
                        index += 2
                    } else if byte == UInt8(ascii: "\"") {
                        index += 1
                        break
                    } else {
                        element.append(byte)
                        index += 1
                    }
                }
            } else {
                while index < bytes.endIndex, bytes[index] != UInt8(ascii: ",") {
                    guard bytes[index] != UInt8(ascii: "{"), bytes[index] != UInt8(ascii: "\"") else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
            }
            let value = String(decoding: element, as: UTF8.self)
            elements.append(!quoted && value == "NULL" ? nil : value)
            if index == bytes.endIndex { return elements }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }
}

/// Reading PostgreSQL's timestamp output.
enum PostgresTimestamp {
    /// `YYYY-MM-DD[ T]HH:MM:SS[.ffffff](Z|±HH[:MM])`.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
              let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19])
        else { return nil }
        var index = 19
        var micros = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                if digits < 6 { micros = micros * 10 + Int(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        if bytes[index] == UInt8(ascii: "Z") {
            guard index + 1 == bytes.count else { return nil }
        } else {
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            let rest = bytes[(index + 1)...].filter { $0 != UInt8(ascii: ":") }
            guard rest.count == 2 || rest.count == 4 || rest.count == 6, let hours = number(rest.prefix(2)[...]) else { return nil }
            let minutes = rest.count >= 4 ? number(rest.dropFirst(2).prefix(2)[...]) : 0
            let seconds = rest.count == 6 ? number(rest.suffix(2)[...]) : 0
            guard let minutes, let seconds else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60 + seconds)
        }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + Double(micros) / 1e6
        return Date(timeIntervalSince1970: seconds)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool {
        isASCII && isNumber
    }
}
