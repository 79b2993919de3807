/// One decoded form pair.
///
/// Bytes, not `String`: the signature sorts by UTF-8 bytes, and a value need not be valid UTF-8
/// until the content checks run (after the signature).
public struct FormPair: Sendable, Equatable, Hashable {
    public var name: [UInt8]
    public var value: [UInt8]

    public init(name: [UInt8], value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// A pair from text, as `statushook sign` and tests build them.
    public init(_ name: String, _ value: String) {
        self.init(name: Array(name.utf8), value: Array(value.utf8))
    }
}
