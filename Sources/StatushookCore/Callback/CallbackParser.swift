/// Reads a signed callback's body into `CallbackContent`, accepting every spelling in use:
/// Twilio documents `AccountSID`, `BundleSID`, `Status`, `FailureReason` (its Regulatory Bundles
/// page, where the TrustHub guides point), and code in the wild writes `AccountSid`/`BundleSid`.
public enum CallbackParser {
    /// The keys that may carry the resource SID, in precedence order. The first two pairs also
    /// tell the resource's kind (``ResourceKind/named(byParameter:)``).
    public static let sidKeys = [
        "CustomerProfileSid", "CustomerProfileSID", "TrustProductSid", "TrustProductSID",
        "BundleSID", "BundleSid", "ResourceSid", "ResourceSID", "Sid", "SID",
    ]

    /// The keys that may carry the account SID, in precedence order (Twilio's documented one first).
    public static let accountKeys = ["AccountSID", "AccountSid"]

    /// Reads a form body. For each name the first value counts; an empty SID value counts as
    /// absent (so the next key is tried), and so does an empty account SID or `FailureReason`.
    public static func parse(form: FormBody) throws(CallbackContentError) -> CallbackContent {
        if form.hasMalformedEscape {
            throw CallbackContentError("malformed form body: a '%' not followed by two hex digits")
        }
        if let pair = form.firstPairNotUTF8 {
            throw CallbackContentError("body is not valid UTF-8 (in parameter \(quoted(String(decoding: pair.name, as: UTF8.self))))")
        }
        if let pair = form.pairs.first(where: { $0.name.contains(0) || $0.value.contains(0) }) {
            throw CallbackContentError("parameter \(quoted(String(decoding: pair.name, as: UTF8.self))) contains U+0000, which cannot be stored")
        }
        func text(_ name: String) -> String? {
            form.firstValue(named: name).map { String(decoding: $0, as: UTF8.self) }
        }

        guard let (sidKey, sid) = sidKeys.lazy.compactMap({ key in text(key).flatMap { $0.isEmpty ? nil : (key, $0) } }).first else {
            throw missingSID
        }
        try checkSID(sid, key: sidKey)
        guard let status = text("Status") else { throw CallbackContentError("missing Status") }
        try checkStatus(status)
        let account = accountKeys.lazy.compactMap { key in text(key).flatMap { $0.isEmpty ? nil : (key, $0) } }.first
        if let account { try checkAccountSid(account.1, key: account.0) }
        let failureReason = text("FailureReason").flatMap { $0.isEmpty ? nil : $0 }

        return CallbackContent(
            sid: sid,
            kind: ResourceKind.named(byParameter: sidKey),
            status: status,
            accountSid: account?.1,
            failureReason: failureReason,
            isKnownStatus: TransitionRules.knownStatuses.contains(status),
            paramsJSON: paramsJSON(form.pairs),
            canonicalParams: canonicalParams(form.pairs)
        )
    }

    /// Reads a JSON object body. SID and account keys as for a form, status from `Status` else
    /// `status`; the SID, status and account SID must be strings (null counts as absent). A non-string
    /// `FailureReason` is kept as its JSON text. A repeated key counts once, the last (as
    /// PostgreSQL's `jsonb` keeps it).
    public static func parse(json rawBody: [UInt8]) throws(CallbackContentError) -> CallbackContent {
        guard let rawText = String(validating: rawBody, as: UTF8.self) else {
            throw CallbackContentError("body is not valid UTF-8")
        }
        let body: CallbackJSON
        do {
            body = try CallbackJSONParser.parse(rawBody)
        } catch {
            throw CallbackContentError("body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object = body else { throw CallbackContentError("JSON body must be an object") }

        func present(_ key: String) -> CallbackJSON? {
            guard let value = body[key], value != .null else { return nil }
            return value
        }
        func string(_ key: String, as what: String) throws(CallbackContentError) -> String? {
            guard let value = present(key) else { return nil }
            guard case .string(let text) = value else {
                throw CallbackContentError("invalid \(what): \(key) must be a string, not \(value.kindDescription)")
            }
            return text
        }

        var found: (key: String, sid: String)? = nil
        for key in sidKeys {
            if let sid = try string(key, as: "SID"), !sid.isEmpty {
                found = (key, sid)
                break
            }
        }
        guard let found else { throw missingSID }
        try checkSID(found.sid, key: found.key)

        let statusKey = present("Status") != nil ? "Status" : "status"
        guard let status = try string(statusKey, as: "Status") else { throw CallbackContentError("missing Status (or status)") }
        try checkStatus(status)

        var account: (key: String, sid: String)? = nil
        for key in accountKeys {
            if let sid = try string(key, as: "account SID"), !sid.isEmpty {
                account = (key, sid)
                break
            }
        }
        if let account { try checkAccountSid(account.sid, key: account.key) }

        var failureReason: String? = nil
        switch present("FailureReason") {
        case .string(let text): failureReason = text.isEmpty ? nil : text
        case .some(let other): failureReason = other.text
        case .none: break
        }

        return CallbackContent(
            sid: found.sid,
            kind: ResourceKind.named(byParameter: found.key),
            status: status,
            accountSid: account?.sid,
            failureReason: failureReason,
            isKnownStatus: TransitionRules.knownStatuses.contains(status),
            paramsJSON: rawText,
            canonicalParams: rawBody
        )
    }

    /// The account SID before the signature check, to choose the token: the value `parse` takes
    /// (the first non-empty of ``accountKeys``); nil when absent or not `AC` + 32 hex digits.
    /// The form is read when given, else the JSON body.
    public static func accountSidHint(form: FormBody?, json rawBody: [UInt8]?) -> String? {
        var candidate: String? = nil
        if let form {
            candidate = accountKeys.lazy.compactMap { key in
                form.firstValue(named: key).flatMap { $0.isEmpty ? nil : String(validating: $0, as: UTF8.self) }
            }.first
        } else if let rawBody, String(validating: rawBody, as: UTF8.self) != nil,
                  let body = try? CallbackJSONParser.parse(rawBody) {
            for key in accountKeys {
                guard let value = body[key], value != .null else { continue }
                guard case .string(let text) = value else { return nil }
                if !text.isEmpty {
                    candidate = text
                    break
                }
            }
        }
        guard let candidate, isSID(candidate, prefix: "AC") else { return nil }
        return candidate
    }

    // MARK: - Checks

    private static var missingSID: CallbackContentError {
        CallbackContentError("missing resource SID: expected one of \(sidKeys.joined(separator: ", "))")
    }

    private static func checkSID(_ sid: String, key: String) throws(CallbackContentError) {
        guard isSID(sid, prefix: "BU") else {
            throw CallbackContentError("invalid SID \(quoted(sid)) in \(key): expected BU followed by 32 hex digits")
        }
    }

    private static func checkStatus(_ status: String) throws(CallbackContentError) {
        guard isStatus(status) else {
            throw CallbackContentError("invalid Status \(quoted(status)): expected 1-64 of a-z, 0-9, '-'")
        }
    }

    private static func checkAccountSid(_ sid: String, key: String) throws(CallbackContentError) {
        guard isSID(sid, prefix: "AC") else {
            throw CallbackContentError("invalid \(key) \(quoted(sid)): expected AC followed by 32 hex digits")
        }
    }

    /// `^<prefix>[0-9a-fA-F]{32}$`.
    static func isSID(_ text: String, prefix: String) -> Bool {
        let bytes = Array(text.utf8)
        let prefixBytes = Array(prefix.utf8)
        return bytes.count == prefixBytes.count + 32
            && bytes.starts(with: prefixBytes)
            && bytes.dropFirst(prefixBytes.count).allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            }
    }

    /// `^[a-z0-9-]{1,64}$`.
    static func isStatus(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }

    /// A value quoted for an error message: at most 40 characters, control characters escaped,
    /// so that a hostile value cannot flood or forge a log line.
    static func quoted(_ value: String) -> String {
        var out = ""
        for (count, character) in value.enumerated() {
            if count == 40 {
                out += "…"
                break
            }
            for scalar in character.unicodeScalars {
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return "'" + out + "'"
    }

    // MARK: - Params

    /// `{"name": "value", "repeated": ["v1", "v2"]}`, names in order of first appearance.
    /// Written into one string; a name's values are found by a scan of the pairs after it, or,
    /// past 32 pairs (a body can hold thousands), through a dictionary of positions.
    static func paramsJSON(_ pairs: [FormPair]) -> String {
        var out = "{"
        out.reserveCapacity(pairs.reduce(2) { $0 + $1.name.count + $1.value.count + 8 })
        var written = [Bool](repeating: false, count: pairs.count)
        // Past 32 pairs, each name's positions are found once; below, by a scan (no allocation).
        var later: [[UInt8]: [Int]] = [:]
        if pairs.count > 32 {
            for index in pairs.indices { later[pairs[index].name, default: []].append(index) }
        }
        for index in pairs.indices where !written[index] {
            let name = pairs[index].name
            if out.utf8.count > 1 { out += ", " }
            JSONValue.writeString(String(decoding: name, as: UTF8.self), to: &out)
            out += ": "
            let repeated = pairs.count > 32
                ? (later[name]?.count ?? 1) > 1
                : pairs[(index + 1)...].contains { $0.name == name }
            guard repeated else {
                JSONValue.writeString(String(decoding: pairs[index].value, as: UTF8.self), to: &out)
                continue
            }
            out += "["
            var first = true
            let positions = pairs.count > 32 ? later[name] ?? [index] : (index..<pairs.count).filter { pairs[$0].name == name }
            for position in positions {
                written[position] = true
                if !first { out += ", " }
                first = false
                JSONValue.writeString(String(decoding: pairs[position].value, as: UTF8.self), to: &out)
            }
            out += "]"
        }
        return out + "}"
    }

    /// The distinct pairs in signature order, each name and value prefixed by its length
    /// (4 bytes, big-endian).
    static func canonicalParams(_ pairs: [FormPair]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.reduce(0) { $0 + $1.name.count + $1.value.count + 8 })
        for (name, values) in TwilioSignature.sortedDistinct(pairs) {
            for value in values {
                appendLengthPrefixed(name, to: &out)
                appendLengthPrefixed(value, to: &out)
            }
        }
        return out
    }

    static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        appendLengthPrefixed(bytes, to: &out)
        return out
    }

    private static func appendLengthPrefixed(_ bytes: [UInt8], to out: inout [UInt8]) {
        let count = UInt32(truncatingIfNeeded: bytes.count)
        out.append(UInt8(count >> 24))
        out.append(UInt8(count >> 16 & 0xFF))
        out.append(UInt8(count >> 8 & 0xFF))
        out.append(UInt8(count & 0xFF))
        out.append(contentsOf: bytes)
    }
}
