import Foundation
import Hashing

/// A keyset cursor: the sort key of the row a page starts after (`PA…`) or ends before (`PB…`).
///
/// Opaque to clients, as Twilio's are: `PA`/`PB` + base64url (no padding) of `payload ‖ MAC`,
/// the payload `<list>|<key parts>` in UTF-8 and the MAC the first 12 bytes of its HMAC-SHA256
/// under a key derived from the history credentials. Any change to a token fails its MAC; a token
/// of one list is refused by another; a token stays valid across restarts and across daemons that
/// share the configuration.
struct PageToken: Sendable, Equatable {
    enum Direction: Sendable, Equatable {
        /// Rows after the key in list order (the next page).
        case after
        /// Rows before the key in list order (the previous page).
        case before

        var prefix: String { self == .after ? "PA" : "PB" }
    }

    /// The sort key of one row of a list.
    enum Key: Sendable, Equatable {
        /// Profiles are listed by SID.
        case profile(sid: String)
        /// Transitions are listed newest first by time, then id; the time is RFC 3339 with
        /// microseconds (`statushook_rfc3339`), which PostgreSQL reads back exactly.
        case transition(occurredAt: String, id: Int64)
        /// Deliveries are listed newest first by id.
        case delivery(id: Int64)

        var list: HistoryList {
            switch self {
            case .profile: .profiles
            case .transition: .transitions
            case .delivery: .deliveries
            }
        }

        fileprivate var payload: String {
            switch self {
            case .profile(let sid): "p|\(sid)"
            case .transition(let occurredAt, let id): "t|\(occurredAt)|\(id)"
            case .delivery(let id): "d|\(id)"
            }
        }

        fileprivate init?(payload: String) {
            let parts = payload.split(separator: "|", omittingEmptySubsequences: false)
            switch (parts.first, parts.count) {
            case ("p", 2) where HistoryRoute.isProfileSid(parts[1]):
                self = .profile(sid: String(parts[1]))
            case ("t", 3) where HistoryDate.isStoredTimestamp(parts[1]):
                guard let id = PageToken.rowID(parts[2]) else { return nil }
                self = .transition(occurredAt: String(parts[1]), id: id)
            case ("d", 2):
                guard let id = PageToken.rowID(parts[1]) else { return nil }
                self = .delivery(id: id)
            default:
                return nil
            }
        }
    }

    var direction: Direction
    var key: Key

    /// A positive id in plain decimal, as the token writes it (no sign, no leading zero).
    fileprivate static func rowID(_ text: Substring) -> Int64? {
        guard let first = text.first, first != "0", text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(text)
    }
}

/// Writes and checks ``PageToken``s under one key.
struct PageTokenCodec: Sendable {
    private static let macLength = 12
    /// Longer than any token this codec writes; refused before any decoding.
    static let maxLength = 160

    private let key: [UInt8]

    /// The key is derived from the history credentials, so that only this configuration's tokens pass.
    init(username: String, password: String) {
        key = Digest.sha256(Array("statushook page token\n\(username)\n\(password)".utf8))
    }

    func encode(_ token: PageToken) -> String {
        let payload = Array(token.key.payload.utf8)
        return token.direction.prefix + Self.base64URL(payload + mac(token.direction, payload))
    }

    /// The token, if `text` is one this codec wrote for `list`; nil for anything else.
    func decode(_ text: String, for list: HistoryList) -> PageToken? {
        guard text.utf8.count <= Self.maxLength else { return nil }
        let direction: PageToken.Direction
        switch text.prefix(2) {
        case "PA": direction = .after
        case "PB": direction = .before
        default: return nil
        }
        guard let bytes = Self.unbase64URL(text.dropFirst(2)), bytes.count > Self.macLength else { return nil }
        let payload = Array(bytes.dropLast(Self.macLength))
        guard Digest.constantTimeEqual(Array(bytes.suffix(Self.macLength)), mac(direction, payload)),
              let string = String(validating: payload, as: UTF8.self),
              let key = PageToken.Key(payload: string), key.list == list else { return nil }
        return PageToken(direction: direction, key: key)
    }

    private func mac(_ direction: PageToken.Direction, _ payload: [UInt8]) -> [UInt8] {
        Array(Digest.hmacSHA256(key: key, message: Array(direction.prefix.utf8) + payload).prefix(Self.macLength))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Strict: the URL-safe alphabet only, no padding, and only the canonical form of its bytes.
    static func unbase64URL(_ text: Substring) -> [UInt8]? {
        let alphabet: (UInt8) -> Bool = { byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard !text.isEmpty, text.utf8.allSatisfy(alphabet), text.utf8.count % 4 != 1 else { return nil }
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        let bytes = [UInt8](data)
        return base64URL(bytes) == text ? bytes : nil
    }
}
