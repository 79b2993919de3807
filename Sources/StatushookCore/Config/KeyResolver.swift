/// What a key written in the file refers to.
enum KeyResolution: Equatable, Sendable {
    /// A known setting; `fileForm` for `…_file`.
    case setting(SettingKey, fileForm: Bool)
    /// A well-formed sink whose field is unknown: the suggestion waits for the sink's type.
    case unknownSinkField(sink: String, field: String)
    /// Not a setting; the message says why, with the key meant when it is a near miss.
    case invalid(String)
}

/// Reads keys as written in the file (`auth_token`, `sink.mail.to`, `account.AC….auth_token_file`).
enum KeyResolver {
    static func resolve(_ key: String) -> KeyResolution {
        guard isWellFormed(key) else {
            // Not echoed: a line like `postgres://user:secret@host/db?sslmode=require` would
            // otherwise put a password in the message.
            return .invalid("the text before '=' is not a key (keys are letters, digits, '.', '_' and '-')")
        }
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 1 {
            if let (core, fileForm) = coreKey(key) { return .setting(.core(core), fileForm: fileForm) }
            return unknown(key, suggestion: KeySuggestion.nearest(to: key, among: coreWrittenForms))
        }
        if parts.count == 3, parts[0] == "sink" {
            return sinkKey(name: parts[1], field: String(parts[2]), key: key)
        }
        if parts.count == 3, parts[0] == "account" {
            return accountKey(sid: parts[1], field: String(parts[2]), key: key)
        }
        return unknown(key, suggestion: prefixSuggestion(parts))
    }

    /// Every core key as it may be written, `…_file` forms included.
    static let coreWrittenForms: [String] = CoreKey.allCases.flatMap { key in
        key.isSecret ? [key.rawValue, key.rawValue + "_file"] : [key.rawValue]
    }

    static let accountWrittenForms: [String] = AccountField.allCases.flatMap { [$0.rawValue, $0.rawValue + "_file"] }

    static func unknownKeyMessage(_ key: String, suggestion: String?) -> String {
        if let suggestion { "unknown key '\(key)' (did you mean '\(suggestion)'?)" } else { "unknown key '\(key)'" }
    }

    private static func unknown(_ key: String, suggestion: String?) -> KeyResolution {
        .invalid(unknownKeyMessage(key, suggestion: suggestion))
    }

    private static func isWellFormed(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    private static func coreKey(_ key: String) -> (CoreKey, fileForm: Bool)? {
        if let core = CoreKey(rawValue: key) { return (core, false) }
        if key.hasSuffix("_file"), let core = CoreKey(rawValue: String(key.dropLast(5))), core.isSecret {
            return (core, true)
        }
        return nil
    }

    private static func sinkKey(name: Substring, field: String, key: String) -> KeyResolution {
        guard SettingKey.isSinkName(name) else {
            return .invalid("bad sink name '\(name)' in '\(key)': expected 1 to 32 of a-z, 0-9, '_' and '-'")
        }
        if let known = SinkField(rawValue: field) { return .setting(.sink(name: String(name), field: known), fileForm: false) }
        if field.hasSuffix("_file"), let known = SinkField(rawValue: String(field.dropLast(5))), known.isSecret {
            return .setting(.sink(name: String(name), field: known), fileForm: true)
        }
        return .unknownSinkField(sink: String(name), field: field)
    }

    private static func accountKey(sid: Substring, field: String, key: String) -> KeyResolution {
        guard SettingKey.isAccountSid(sid) else {
            return .invalid("bad AccountSid '\(sid)' in '\(key)': expected 'AC' followed by 32 hex digits")
        }
        let normalized = "AC" + sid.dropFirst(2).lowercased()
        if let known = AccountField(rawValue: field) { return .setting(.account(sid: normalized, field: known), fileForm: false) }
        if field.hasSuffix("_file"), let known = AccountField(rawValue: String(field.dropLast(5))) {
            return .setting(.account(sid: normalized, field: known), fileForm: true)
        }
        let suggestion = KeySuggestion.nearest(to: field, among: accountWrittenForms).map { "account.\(sid).\($0)" }
        return unknown(key, suggestion: suggestion)
    }

    /// `sinks.mail.to` means `sink.mail.to`; `acount.AC….auth_token` means `account.…`.
    private static func prefixSuggestion(_ parts: [Substring]) -> String? {
        guard parts.count == 3, let prefix = KeySuggestion.nearest(to: String(parts[0]), among: ["sink", "account"]) else {
            return nil
        }
        let fields = prefix == "sink" ? SinkField.writtenForms(for: Set(SinkType.allCases)) : accountWrittenForms
        let written = String(parts[2])
        guard let field = fields.contains(written) ? written : KeySuggestion.nearest(to: written, among: fields) else {
            return nil
        }
        return "\(prefix).\(parts[1]).\(field)"
    }
}
