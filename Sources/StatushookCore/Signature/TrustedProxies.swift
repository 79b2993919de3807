/// The peers whose `X-Forwarded-*` headers are believed (`trusted_proxies`).
public struct TrustedProxies: Sendable, Equatable {
    /// A bad `trusted_proxies` entry, named with the reason.
    public struct InvalidEntry: Error, Sendable, Equatable, CustomStringConvertible {
        public var entry: String
        public var reason: String

        public var description: String { "invalid trusted proxy '\(entry)': \(reason)" }
    }

    /// One address block: the network's bytes (4 or 16, host bits cleared) and its prefix length.
    private struct Block: Sendable, Equatable {
        var network: [UInt8]
        var prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            address.count == network.count && Self.masked(address, prefixLength) == network
        }

        static func masked(_ address: [UInt8], _ prefixLength: Int) -> [UInt8] {
            address.enumerated().map { index, byte in
                let bits = min(max(prefixLength - index * 8, 0), 8)
                return bits == 0 ? 0 : byte & ~(0xFF >> UInt8(bits))
            }
        }
    }

    private let blocks: [Block]

    /// Trusts nobody.
    public static let none = TrustedProxies(blocks: [])

    private init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// Parses IPv4 and IPv6 addresses and CIDR blocks (`10.0.0.0/8`, `::1`, `fd00::/8`).
    ///
    /// A block written with host bits set (`10.1.2.3/8`) means its network, as most tools read
    /// it. Surrounding whitespace is ignored; an empty entry is an error.
    public init(parsing entries: [String]) throws(InvalidEntry) {
        var blocks: [Block] = []
        for raw in entries {
            let entry = raw.trimmingSpaces()
            let addressText: Substring
            var prefixLength: Int? = nil
            if let slash = entry.firstIndex(of: "/") {
                addressText = entry[..<slash]
                let lengthText = entry[entry.index(after: slash)...]
                guard !lengthText.isEmpty, lengthText.count <= 3, lengthText.allSatisfy({ $0.isASCII && $0.isNumber }),
                      let length = Int(lengthText)
                else {
                    throw InvalidEntry(entry: raw, reason: "the prefix length after '/' must be a number")
                }
                prefixLength = length
            } else {
                addressText = Substring(entry)
            }
            guard !addressText.isEmpty else {
                throw InvalidEntry(entry: raw, reason: "expected an IPv4 or IPv6 address or CIDR block")
            }
            guard let address = IPAddressText.parse(addressText) else {
                throw InvalidEntry(entry: raw, reason: "'\(addressText)' is not an IPv4 or IPv6 address")
            }
            let maximum = address.count * 8
            let length = prefixLength ?? maximum
            guard length <= maximum else {
                let family = address.count == 4 ? "IPv4" : "IPv6"
                throw InvalidEntry(entry: raw, reason: "the prefix length must be 0-\(maximum) for an \(family) address")
            }
            blocks.append(Block(network: Block.masked(address, length), prefixLength: length))
        }
        self.blocks = blocks
    }

    /// Whether the numeric peer address (`127.0.0.1`, `::1`) is in a trusted block.
    ///
    /// An IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`, as a dual-stack socket reports IPv4 peers)
    /// matches as its IPv4 address; a zone (`fe80::1%eth0`) is ignored.
    public func contains(_ address: String) -> Bool {
        var text = Substring(address.trimmingSpaces())
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        guard let bytes = IPAddressText.parse(text) else { return false }
        var candidates = [bytes]
        if let v4 = IPAddressText.mappedIPv4(bytes) { candidates.append(v4) }
        return blocks.contains { block in candidates.contains(where: block.contains) }
    }
}

fileprivate extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(self[first...last])
    }
}
