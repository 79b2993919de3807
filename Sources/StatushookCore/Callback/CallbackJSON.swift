/// A JSON value parsed from a callback's body; a number keeps its source text, an object its order.
///
/// Not `JSONValue` (Support/), which builds output: this one is read from untrusted input.
enum CallbackJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([CallbackJSON])
    case object([Member])

    struct Member: Sendable, Equatable {
        var key: String
        var value: CallbackJSON
    }

    /// The value of `key` in an object, the last one when repeated (as PostgreSQL's `jsonb`
    /// keeps it); nil for a missing key or a non-object.
    subscript(key: String) -> CallbackJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// What the value is, for error messages: "a string", "a number", ….
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Compact JSON text.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let text): text
        case .string(let value): Self.quote(value)
        case .array(let values): "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { Self.quote($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
        }
    }

    /// `value` as a JSON string literal (the escaping of `JSONValue`, the one writer of JSON text).
    static func quote(_ value: String) -> String {
        var out = ""
        JSONValue.writeString(value, to: &out)
        return out
    }
}
