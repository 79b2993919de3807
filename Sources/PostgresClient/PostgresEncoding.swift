/// A Swift value as a statement parameter, in PostgreSQL's text format: what `query`'s
/// `[String?]` parameters are made of, so that no caller writes `t` or `{…}` by hand.
public protocol PostgresEncodable {
    var postgresText: String { get }
}

extension String: PostgresEncodable {
    public var postgresText: String { self }
}

extension Bool: PostgresEncodable {
    public var postgresText: String { self ? "t" : "f" }
}

extension Int: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Optional where Wrapped: PostgresEncodable {
    /// The parameter's text, nil (SQL NULL) for nil.
    public var postgresText: String? { map(\.postgresText) }
}

/// An array parameter: `{…}` with every element quoted as needed.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresText: String {
        var builder = PostgresArrayBuilder()
        for element in self { element.append(to: &builder) }
        return builder.text
    }
}

/// What may stand in an array parameter.
public protocol PostgresArrayElement {
    func append(to builder: inout PostgresArrayBuilder)
}

extension String: PostgresArrayElement {
    public func append(to builder: inout PostgresArrayBuilder) { builder.append(self) }
}

extension Bool: PostgresArrayElement {
    public func append(to builder: inout PostgresArrayBuilder) { builder.append(self) }
}

extension Int: PostgresArrayElement {
    public func append(to builder: inout PostgresArrayBuilder) { builder.append(self) }
}

extension Int32: PostgresArrayElement {
    public func append(to builder: inout PostgresArrayBuilder) { builder.append(self) }
}

extension Int64: PostgresArrayElement {
    public func append(to builder: inout PostgresArrayBuilder) { builder.append(self) }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public func append(to builder: inout PostgresArrayBuilder) {
        if let self { self.append(to: &builder) } else { builder.appendNull() }
    }
}

/// A one-dimensional array parameter built element by element, byte by byte: text elements
/// quoted with `"` and `\` escaped, numbers and booleans bare, `NULL` for nil. For statements
/// that pass one array per column (a batch), where building each element as a `String` first
/// would cost more than the statement.
public struct PostgresArrayBuilder: Sendable {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init() {}

    public mutating func append(_ element: String?) {
        guard let element else { return appendNull() }
        separate()
        bytes.append(UInt8(ascii: "\""))
        if element.utf8.withContiguousStorageIfAvailable({ append(escaping: $0) }) == nil {
            append(escaping: Array(element.utf8))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func append(_ element: Bool) {
        separate()
        bytes.append(element ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    public mutating func append<Number: BinaryInteger>(_ element: Number) {
        separate()
        bytes.append(contentsOf: String(element).utf8)
    }

    public mutating func appendNull() {
        separate()
        bytes.append(contentsOf: "NULL".utf8)
    }

    /// The parameter's text.
    public var text: String {
        String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self)
    }

    private mutating func separate() {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
    }

    /// `element`'s bytes, `"` and `\` escaped; whole when there is neither (nearly always).
    private mutating func append<Bytes: Collection<UInt8>>(escaping element: Bytes) {
        let needsEscape: (UInt8) -> Bool = { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        guard element.contains(where: needsEscape) else {
            bytes.append(contentsOf: element)
            return
        }
        for byte in element {
            if needsEscape(byte) { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
    }
}
