/// One setting, whichever form (plain or `…_file`) and source (file or environment) gave it.
enum SettingKey: Hashable, Sendable {
    case core(CoreKey)
    /// The AccountSid normalized to `AC` and lowercase hex.
    case account(sid: String, field: AccountField)
    case sink(name: String, field: SinkField)

    /// The key of the plain form, as written in a file.
    var name: String {
        switch self {
        case .core(let key): key.rawValue
        case .account(let sid, let field): "account.\(sid).\(field.rawValue)"
        case .sink(let name, let field): "sink.\(name).\(field.rawValue)"
        }
    }

    var isSecret: Bool {
        switch self {
        case .core(let key): key.isSecret
        case .account: true
        case .sink(_, let field): field.isSecret
        }
    }

    /// The name of the variable that overrides this key (`STATUSHOOK_SINK_MAIL_TO`), or its
    /// `…_file` form (`STATUSHOOK_AUTH_TOKEN_FILE`).
    func environmentName(fileForm: Bool) -> String {
        let base = name + (fileForm ? "_file" : "")
        return "STATUSHOOK_" + String(base.uppercased().map { $0 == "." || $0 == "-" ? "_" : $0 })
    }

    /// `AC` and 32 hex digits, in either case.
    static func isAccountSid(_ text: Substring) -> Bool {
        let scalars = text.unicodeScalars
        return scalars.count == 34 && text.hasPrefix("AC") && scalars.dropFirst(2).allSatisfy { $0.isASCII && Character($0).isHexDigit }
    }

    /// `[a-z0-9_-]{1,32}`.
    static func isSinkName(_ text: Substring) -> Bool {
        let scalars = text.unicodeScalars
        return (1...32).contains(scalars.count)
            && scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}
