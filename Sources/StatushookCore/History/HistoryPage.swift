/// A row of a history list: its JSON and its place in the list's order.
protocol HistoryRecord: Sendable {
    var pageKey: PageToken.Key { get }
    func json(base: String) -> JSONValue
}

/// The rows of one page and the cursors to its neighbours, from one keyset query.
///
/// The query reads `pageSize + 1` rows in the token's direction: list order after a `PA` token
/// (or without one), reverse order before a `PB` token. The extra row only says whether there is
/// more that way.
struct KeysetWindow<Row: HistoryRecord> {
    /// In list order.
    var rows: [Row]
    var next: PageToken?
    var previous: PageToken?

    init(fetched: [Row], pageSize: Int, token: PageToken?) {
        let hasMore = fetched.count > pageSize
        let page = Array(fetched.prefix(pageSize))
        if token?.direction == .before {
            rows = page.reversed()
            // The row the token came from follows this page.
            next = rows.last.map { PageToken(direction: .after, key: $0.pageKey) }
            previous = hasMore ? rows.first.map { PageToken(direction: .before, key: $0.pageKey) } : nil
        } else {
            rows = page
            next = hasMore ? rows.last.map { PageToken(direction: .after, key: $0.pageKey) } : nil
            // A first page has nothing before it; a later one points before its first row.
            previous = token == nil ? nil : rows.first.map { PageToken(direction: .before, key: $0.pageKey) }
        }
    }
}

/// A page of a list in Twilio's shape: `{"<key>": [...], "meta": {...}}` with absolute URLs.
struct HistoryPage {
    var query: HistoryListQuery
    /// Scheme, host and path prefix: `public_url`, or what the request came to.
    var base: String
    /// The list's path, `/v1/...`.
    var path: String
    var items: [JSONValue]
    var next: String?
    var previous: String?

    var json: JSONValue {
        .object([
            (query.list.key, .array(items)),
            ("meta", .object([
                ("page", .int(Int64(query.page))),
                ("page_size", .int(Int64(query.pageSize))),
                ("first_page_url", .string(url(page: 0, token: nil))),
                ("previous_page_url", previous.map { .string(url(page: max(query.page - 1, 0), token: $0)) } ?? .null),
                ("url", .string(url(page: query.page, token: query.tokenText))),
                ("next_page_url", next.map { .string(url(page: query.page + 1, token: $0)) } ?? .null),
                ("key", .string(query.list.key)),
            ])),
        ])
    }

    /// Filters as given, then `PageSize`, `Page` and `PageToken`, the order of Twilio's own URLs.
    func url(page: Int, token: String?) -> String {
        var pairs = query.filters.map { ($0.name, $0.value) }
        pairs.append(("PageSize", String(query.pageSize)))
        pairs.append(("Page", String(page)))
        if let token { pairs.append(("PageToken", token)) }
        return base + path + "?" + pairs.map { "\($0)=\(Self.percentEncoded($1))" }.joined(separator: "&")
    }

    /// Every byte but the unreserved ones (RFC 3986) as `%XX`.
    static func percentEncoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    /// `public_url` (or the request's own origin) without userinfo: callback credentials that
    /// `public_url` may carry for Twilio's signature never appear in a page.
    static func base(fromExternalURL url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound] + rest[rest.index(after: at)...])
    }
}
