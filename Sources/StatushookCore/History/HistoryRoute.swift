/// A paged list of the history API, with what differs between lists.
enum HistoryList: Sendable, Equatable {
    case profiles
    case transitions
    case deliveries

    /// The array's name in a page, which Twilio's SDKs read through `meta.key`. For profiles it is
    /// Twilio's own: the TrustHub v1 CustomerProfiles and TrustProducts lists answer `"results"`.
    var key: String {
        switch self {
        case .profiles: "results"
        case .transitions: "transitions"
        case .deliveries: "deliveries"
        }
    }

    /// The filters this list takes, in the order page URLs echo them.
    var filterNames: [String] {
        switch self {
        case .profiles: ["Status", "FriendlyName", "PolicySid"]
        case .transitions: ["Status", "DateCreatedAfter", "DateCreatedBefore"]
        case .deliveries: ["State", "Sink", "Sid"]
        }
    }

    /// Filters whose value must be a date or time (``HistoryDate``).
    var dateFilterNames: Set<String> {
        self == .transitions ? ["DateCreatedAfter", "DateCreatedBefore"] : []
    }
}

/// Where a request under `/v1/` goes, read from its path alone.
///
/// `/v1/CustomerProfiles…` serves customer profiles and SIDs of unknown kind; `/v1/TrustProducts…`
/// the SIDs known to name trust products. The two share one list type and one record shape.
enum HistoryRoute: Sendable, Equatable {
    case profiles(ResourceKind)
    case profile(ResourceKind, sid: String)
    case profileTransitions(ResourceKind, sid: String)
    case transitions
    case transition(id: Int64)
    case deliveries

    /// Nil for a path the history API does not serve (the caller answers 404).
    init?(path: Substring) {
        guard path.hasPrefix("/v1/") else { return nil }
        let segments = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false)
        let kind = ResourceKind.allCases.first { $0.collection == segments[0] }
        switch segments.count {
        case 1 where kind != nil: self = .profiles(kind!)
        case 1 where segments[0] == "Transitions": self = .transitions
        case 1 where segments[0] == "Deliveries": self = .deliveries
        case 2 where kind != nil && Self.isSidSegment(segments[1]):
            self = .profile(kind!, sid: String(segments[1]))
        case 2 where segments[0] == "Transitions":
            guard let id = Self.transitionID(segments[1]) else { return nil }
            self = .transition(id: id)
        case 3 where kind != nil && Self.isSidSegment(segments[1]) && segments[2] == "Transitions":
            self = .profileTransitions(kind!, sid: String(segments[1]))
        default:
            return nil
        }
    }

    /// The list this route pages through; nil for a single resource.
    var list: HistoryList? {
        switch self {
        case .profiles: .profiles
        case .profileTransitions, .transitions: .transitions
        case .deliveries: .deliveries
        case .profile, .transition: nil
        }
    }

    /// The path of a transition's own resource: its id as the events carry it (`TR` + number).
    static func transitionPath(id: Int64) -> String {
        "/v1/Transitions/TR\(id)"
    }

    /// `/v1/CustomerProfiles/{sid}` or `/v1/TrustProducts/{sid}`.
    static func profilePath(sid: String, kind: ResourceKind) -> String {
        "/v1/\(kind.collection)/\(sid)"
    }

    /// `BU` and 32 hex digits, the shape `profiles.sid` enforces.
    static func isProfileSid(_ text: Substring) -> Bool {
        text.utf8.count == 34 && text.hasPrefix("BU") && text.utf8.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// Letters and digits, as every Twilio SID; anything else is no resource (no database work).
    /// A SID of the right characters but unknown is looked up, and is a 404 or an empty page.
    private static func isSidSegment(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || $0.isASCIILetter }
    }

    /// `TR` + a positive decimal without leading zeros.
    private static func transitionID(_ text: Substring) -> Int64? {
        guard text.hasPrefix("TR") else { return nil }
        let digits = text.dropFirst(2)
        guard let first = digits.first, first != "0", digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(digits)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }

    fileprivate var isASCIILetter: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
