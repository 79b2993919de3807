/// Why a list request is refused before any database work (a 400, code 20400).
struct HistoryQueryError: Error, Sendable, Equatable {
    var message: String
}

/// The paging and filters of one list request, checked.
///
/// Parameter names are Twilio's, case-sensitive; unknown parameters are ignored, as Twilio does.
/// A known parameter given twice, empty, or holding control characters is refused.
struct HistoryListQuery: Sendable, Equatable {
    struct Filter: Sendable, Equatable {
        var name: String
        /// As received (after URL decoding): what the page URLs echo.
        var value: String
    }

    static let defaultPageSize = 50
    static let pageSizes = 1...1000

    var list: HistoryList
    var pageSize = defaultPageSize
    /// Echoed in `meta.page`; 0 for the first page.
    var page = 0
    var token: PageToken?
    /// The token as received, for the page's own `url`.
    var tokenText: String?
    /// The filters given, in ``HistoryList/filterNames`` order.
    var filters: [Filter] = []

    /// The value of filter `name`, as received.
    func filter(_ name: String) -> String? {
        filters.first { $0.name == name }?.value
    }

    /// The value of date filter `name` as PostgreSQL should read it (``HistoryDate/filterValue(_:)``).
    func dateFilter(_ name: String) -> String? {
        filter(name).flatMap(HistoryDate.filterValue)
    }

    /// Reads a query string (the request target after `?`, as received).
    static func parse(_ query: Substring?, list: HistoryList, codec: PageTokenCodec) throws(HistoryQueryError) -> HistoryListQuery {
        let form = FormBody.decode(Array((query ?? "").utf8))
        guard form.isWellFormed else {
            throw HistoryQueryError(message: "the query string holds a malformed %-escape or bytes that are not UTF-8")
        }
        func single(_ name: String) throws(HistoryQueryError) -> String? {
            let values = form.values(named: name)
            guard values.count <= 1 else { throw HistoryQueryError(message: "\(name) is given more than once") }
            guard let bytes = values.first else { return nil }
            let value = String(decoding: bytes, as: UTF8.self)
            guard !value.isEmpty else { throw HistoryQueryError(message: "\(name) is empty; leave it out instead") }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw HistoryQueryError(message: "\(name) holds a control character")
            }
            return value
        }

        var parsed = HistoryListQuery(list: list)
        if let text = try single("PageSize") {
            guard let size = decimal(text, maxDigits: 4), pageSizes.contains(size) else {
                throw HistoryQueryError(message: "PageSize must be a whole number from 1 to 1000, not '\(text)'")
            }
            parsed.pageSize = size
        }
        if let text = try single("Page") {
            // Page numbers are the client's bookkeeping; nine digits keep `page + 1` far from overflow.
            guard let page = decimal(text, maxDigits: 9) else {
                throw HistoryQueryError(message: "Page must be a whole number from 0, not '\(text)'")
            }
            parsed.page = page
        }
        if let text = try single("PageToken") {
            guard let token = codec.decode(text, for: list) else {
                throw HistoryQueryError(message: "PageToken is not valid here: follow a page's next_page_url or previous_page_url unchanged")
            }
            parsed.token = token
            parsed.tokenText = text
        } else if parsed.page > 0 {
            throw HistoryQueryError(message: "Page \(parsed.page) needs its PageToken: statushook pages by cursor, so follow next_page_url")
        }
        for name in list.filterNames {
            guard let value = try single(name) else { continue }
            if list.dateFilterNames.contains(name), HistoryDate.filterValue(value) == nil {
                throw HistoryQueryError(message: "\(name) must be a date (2026-11-22) or a time (2026-11-22T10:00:00Z, or with an offset "
                                        + "written %2B01:00), not '\(value)'")
            }
            parsed.filters.append(Filter(name: name, value: value))
        }
        return parsed
    }

    /// Plain decimal digits, at most `maxDigits` of them.
    private static func decimal(_ text: String, maxDigits: Int) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maxDigits, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }
}
