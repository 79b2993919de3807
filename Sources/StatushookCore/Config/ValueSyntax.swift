/// Why a value was refused: the rule it breaks, read after "bad value for 'key': ".
struct ValueRule: Error, Equatable, Sendable {
    var text: String

    init(_ text: String) {
        self.text = text
    }
}

/// The value grammar shared by many keys: numbers, sizes, durations, booleans, lists, choices.
///
/// Rules are strict and literal: no signs, no spaces inside a number, lowercase words only.
enum ValueSyntax {
    /// A decimal whole number of at least `minimum`.
    static func count(_ text: Substring, minimum: Int) throws(ValueRule) -> Int {
        guard let value = decimal(text), value >= minimum else {
            throw ValueRule("expected a whole number of at least \(minimum)")
        }
        return value
    }

    /// Bytes, written `65536`, `64KiB` or `1MiB`; above zero.
    static func byteCount(_ text: Substring) throws(ValueRule) -> Int {
        let rule = ValueRule("expected a positive number of bytes, optionally with a KiB or MiB suffix (65536, 64KiB)")
        let units: [(suffix: String, factor: Int)] = [("KiB", 1024), ("MiB", 1024 * 1024), ("", 1)]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }),
              let number = decimal(text.dropLast(unit.suffix.count))
        else { throw rule }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit.factor)
        guard !overflow, bytes > 0 else { throw rule }
        return bytes
    }

    /// `500ms`, `5s`, `5m`, `2h`, `7d`: a whole number and a unit, no space; above zero.
    static func duration(_ text: Substring) throws(ValueRule) -> Duration {
        let rule = ValueRule("expected a positive duration: a whole number and ms, s, m, h or d (500ms, 5s, 2h)")
        let units: [(suffix: String, seconds: Int64)] = [("ms", 0), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }),
              let number = decimal(text.dropLast(unit.suffix.count)).map(Int64.init), number > 0
        else { throw rule }
        if unit.seconds == 0 { return .milliseconds(number) }
        let (seconds, overflow) = number.multipliedReportingOverflow(by: unit.seconds)
        guard !overflow else { throw rule }
        return .seconds(seconds)
    }

    static func boolean(_ text: Substring) throws(ValueRule) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw ValueRule("expected true or false")
        }
    }

    /// One of an enumeration's raw values, exactly.
    static func choice<Choice: RawRepresentable & CaseIterable>(_ text: Substring, of _: Choice.Type) throws(ValueRule) -> Choice
    where Choice.RawValue == String {
        guard let choice = Choice(rawValue: String(text)) else {
            let names = Choice.allCases.map(\.rawValue)
            throw ValueRule("expected \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "")")
        }
        return choice
    }

    /// Comma-separated items, blanks around each ignored; an empty item is an error.
    static func list<Item>(_ text: Substring, item parse: (Substring) throws(ValueRule) -> Item) throws(ValueRule) -> [Item] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        var out: [Item] = []
        for (index, rawItem) in items.enumerated() {
            let item = ConfigurationLexer.trimmed(rawItem)
            guard !item.isEmpty else { throw ValueRule("item \(index + 1) of the list is empty") }
            do throws(ValueRule) {
                out.append(try parse(item))
            } catch {
                throw items.count == 1 ? error : ValueRule("item \(index + 1): \(error.text)")
            }
        }
        return out
    }

    /// A Twilio status as the filters name it: `[a-z0-9-]{1,64}`.
    static func status(_ text: Substring) throws(ValueRule) -> String {
        let scalars = text.unicodeScalars
        guard (1...64).contains(scalars.count), scalars.allSatisfy({ isLowerAlphanumeric($0) || $0 == "-" }) else {
            throw ValueRule("expected a status of 1 to 64 of a-z, 0-9 and '-' (twilio-approved)")
        }
        return String(text)
    }

    /// An HTTP Basic user name: anything on one line but ':', which ends the name in the header.
    static func basicAuthUser(_ text: Substring) throws(ValueRule) -> String {
        guard !text.contains(":") else { throw ValueRule("expected a user name without ':'") }
        return String(text)
    }

    static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// ASCII digits only (no sign, no space), within `Int`.
    static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return Int(text)
    }
}
