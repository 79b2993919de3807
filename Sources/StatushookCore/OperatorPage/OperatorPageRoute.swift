import Foundation

/// What the profiles search box asked for: a SID prefix or a friendly-name prefix, each with the
/// first string past every string that starts with it (the end of an index range).
enum OperatorSearch: Sendable, Equatable {
    case sid(prefix: String, end: String)
    /// `end` is nil when no string follows (a prefix of only U+10FFFF).
    case name(prefix: String, end: String?)

    /// `BU` and hex digits (any case) is a SID prefix; anything else a name prefix.
    init(_ text: String) {
        let isSid = text.utf8.count >= 2 && text.utf8.count <= 34 && text.uppercased().hasPrefix("BU")
            && text.utf8.dropFirst(2).allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
        if isSid {
            // Hex digits and letters sort alike in byte order and in the usual collations; the
            // digit after 9 is taken as `a`, which sorts after every digit in both.
            let prefix = "BU" + text.dropFirst(2)
            var scalars = Array(prefix.unicodeScalars)
            let last = scalars.removeLast()
            let next: Unicode.Scalar = last == "9" ? "a" : Unicode.Scalar(last.value + 1)!
            self = .sid(prefix: prefix, end: String(String.UnicodeScalarView(scalars + [next])))
        } else {
            self = .name(prefix: text, end: Self.successor(of: text))
        }
    }

    var prefix: String {
        switch self {
        case .sid(let prefix, _), .name(let prefix, _): prefix
        }
    }

    /// The least string greater than every string that starts with `text`, in byte (code point)
    /// order: the last scalar below U+10FFFF raised by one, what follows it dropped.
    static func successor(of text: String) -> String? {
        var scalars = Array(text.unicodeScalars)
        while let last = scalars.popLast() {
            var value = last.value + 1
            if value == 0xD800 { value = 0xE000 }
            if let next = Unicode.Scalar(value) {
                return String(String.UnicodeScalarView(scalars + [next]))
            }
        }
        return nil
    }
}

/// The profiles list's filters, from its query string.
struct ProfilesQuery: Sendable, Equatable {
    var status: String?
    var kind: ResourceKind?
    var search: String?
    /// "Waiting for Twilio": pending-review and in-review, oldest first.
    var waiting = false
    /// The keyset cursor: a SID, or for `waiting` a time and a SID (`time~sid`).
    var after: String?

    /// The waiting list's cursor, split.
    var waitingCursor: (since: String, sid: String)? {
        guard waiting, let after, let tilde = after.firstIndex(of: "~") else { return nil }
        return (String(after[..<tilde]), String(after[after.index(after: tilde)...]))
    }
}

/// Where a request under `/ui/` goes, read from its path and query alone.
enum OperatorPageRoute: Sendable, Equatable {
    case overview
    case profiles(ProfilesQuery)
    case profile(sid: String)
    case rejections
    case reviewTimes
    case deliveries
    case stylesheet

    static let stylesheetPath = "/ui/statushook.css"

    /// The route, or the message of a 404 or 400.
    static func parse(path: Substring, query: Substring?) -> Result<OperatorPageRoute, OperatorPageRouteError> {
        switch path {
        case "/ui/": return .success(.overview)
        case "/ui/rejections": return .success(.rejections)
        case "/ui/review-times": return .success(.reviewTimes)
        case "/ui/deliveries": return .success(.deliveries)
        case Substring(stylesheetPath): return .success(.stylesheet)
        case "/ui/profiles": return parseProfiles(query).map(OperatorPageRoute.profiles)
        default:
            let sid = path.dropFirst("/ui/profiles/".count)
            if path.hasPrefix("/ui/profiles/") && HistoryRoute.isProfileSid(sid) {
                return .success(.profile(sid: String(sid)))
            }
            return .failure(OperatorPageRouteError(status: 404, message: "no page at \(path)"))
        }
    }

    /// Statuses a filter may name: Twilio's, and any other of lower-case letters and dashes (one
    /// Twilio may add), up to 40 characters.
    private static func isStatus(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 40 && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || $0 == 0x2D }
    }

    private static func parseProfiles(_ query: Substring?) -> Result<ProfilesQuery, OperatorPageRouteError> {
        let form = FormBody.decode(Array((query ?? "").utf8))
        var result = ProfilesQuery()
        func value(_ name: String) -> Result<String?, OperatorPageRouteError> {
            let values = form.values(named: name)
            guard values.count <= 1 else { return .failure(.init(status: 400, message: "\(name) is given twice")) }
            guard let bytes = values.first, !bytes.isEmpty else { return .success(nil) }
            guard let text = String(validating: bytes, as: UTF8.self), text.utf8.count <= 200,
                  !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else { return .failure(.init(status: 400, message: "\(name) must be UTF-8 text of at most 200 bytes, without control characters")) }
            return .success(text)
        }
        do {
            if let status = try value("status").get() {
                guard isStatus(status) else { return .failure(.init(status: 400, message: "status takes a status such as twilio-rejected")) }
                result.status = status
            }
            if let kind = try value("kind").get() {
                guard let parsed = ResourceKind(rawValue: kind) else {
                    return .failure(.init(status: 400, message: "kind takes customer_profile or trust_product"))
                }
                result.kind = parsed
            }
            result.search = try value("q").get()?.trimmingCharacters(in: .whitespaces).nonEmpty
            if let waiting = try value("waiting").get() {
                guard waiting == "1" else { return .failure(.init(status: 400, message: "waiting takes 1")) }
                result.waiting = true
            }
            if let after = try value("after").get() {
                result.after = after
                let sid = result.waiting ? result.waitingCursor?.sid : after
                let time = result.waiting ? result.waitingCursor?.since : "2000-01-01T00:00:00.000000Z"
                guard let sid, HistoryRoute.isProfileSid(Substring(sid)), let time, isCursorTime(time) else {
                    return .failure(.init(status: 400, message: "after is not a cursor of this list"))
                }
            }
        } catch {
            return .failure(error)
        }
        return .success(result)
    }

    /// `statushook_rfc3339` form exactly: `2026-01-02T03:04:05.123456Z`.
    private static func isCursorTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 27 else { return false }
        let pattern = Array("dddd-dd-ddTdd:dd:dd.ddddddZ".utf8)
        return zip(bytes, pattern).allSatisfy { byte, shape in
            shape == UInt8(ascii: "d") ? (0x30...0x39).contains(byte) : byte == shape
        }
    }
}

struct OperatorPageRouteError: Error, Sendable, Equatable {
    var status: Int
    var message: String
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
