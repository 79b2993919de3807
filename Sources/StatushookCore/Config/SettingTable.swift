/// A setting's text before its value is checked, and where it came from.
struct RawSetting: Sendable {
    var text: String
    /// Given by the `…_file` form: `text` is a path.
    var fileForm: Bool
    var origin: SettingOrigin
    /// The key or variable as written, for messages.
    var writtenKey: String
}

/// The settings of one configuration, file and environment merged, values not yet checked.
///
/// Duplicates, both forms of one secret, and unknown keys are reported while it is filled.
struct SettingTable: Sendable {
    private(set) var settings: [SettingKey: RawSetting] = [:]
    /// Every sink named in the file, in order of first appearance, with that line.
    private(set) var sinks: [(name: String, line: Int)] = []
    /// Fields no sink type has; reported once the sink's type says which fields to suggest.
    private(set) var unknownSinkFields: [(sink: String, field: String, line: Int)] = []

    mutating func add(_ entry: ConfigurationEntry, errors: inout ErrorList) {
        switch KeyResolver.resolve(entry.key) {
        case .invalid(let message):
            errors.report(message, at: .line(entry.line))
        case .unknownSinkField(let sink, let field):
            noteSink(sink, line: entry.line)
            unknownSinkFields.append((sink, field, entry.line))
        case .setting(let key, let fileForm):
            if case .sink(let name, _) = key { noteSink(name, line: entry.line) }
            if let first = settings[key], case .line(let firstLine) = first.origin {
                let message = first.fileForm == fileForm
                    ? "duplicate key '\(entry.key)' (first set on line \(firstLine))"
                    : "'\(entry.key)' and '\(first.writtenKey)' (line \(firstLine)) set the same secret: keep one"
                errors.report(message, at: .line(entry.line))
                return
            }
            settings[key] = RawSetting(text: entry.value, fileForm: fileForm, origin: .line(entry.line), writtenKey: entry.key)
        }
    }

    /// Lets `STATUSHOOK_*` variables replace the file's settings, whichever form either uses.
    ///
    /// Core and account keys may be set by the environment alone; sink fields only for sinks
    /// the file names. Other `STATUSHOOK_*` variables are ignored, as other tools share the
    /// prefix; an empty variable counts as unset.
    mutating func applyEnvironment(_ environment: [String: String], errors: inout ErrorList) {
        let index = environmentIndex()
        var setByEnvironment: [SettingKey: String] = [:]
        for (variable, rawValue) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("STATUSHOOK_") {
            let value = String(ConfigurationLexer.trimmed(Substring(rawValue)))
            guard !value.isEmpty else { continue }
            let targets: [(key: SettingKey, fileForm: Bool)]
            if let known = index[variable] {
                targets = known
            } else {
                switch Self.accountVariable(variable) {
                case .some(.success(let target)): targets = [target]
                case .some(.failure(let rule)):
                    errors.report(rule.text, at: .environment(variable))
                    continue
                case nil: continue
                }
            }
            guard targets.count == 1, let (key, fileForm) = targets.first else {
                let names = targets.compactMap { target -> String? in
                    if case .sink(let name, _) = target.key { return "'\(name)'" } else { return nil }
                }
                errors.report("names more than one sink (\(names.joined(separator: ", "))): rename one of them", at: .environment(variable))
                continue
            }
            if let other = setByEnvironment[key] {
                errors.report("\(other) is set too, for the same secret: keep one", at: .environment(variable))
                continue
            }
            setByEnvironment[key] = variable
            settings[key] = RawSetting(text: value, fileForm: fileForm, origin: .environment(variable), writtenKey: variable)
        }
    }

    private mutating func noteSink(_ name: String, line: Int) {
        if !sinks.contains(where: { $0.name == name }) { sinks.append((name, line)) }
    }

    /// Variable name to the settings it may set: several only when two sink names differ by
    /// `-` and `_` alone.
    private func environmentIndex() -> [String: [(key: SettingKey, fileForm: Bool)]] {
        var keys = CoreKey.allCases.map { SettingKey.core($0) }
        for sink in sinks {
            keys += SinkField.allCases.map { SettingKey.sink(name: sink.name, field: $0) }
        }
        var index: [String: [(key: SettingKey, fileForm: Bool)]] = [:]
        for key in keys {
            for fileForm in key.isSecret ? [false, true] : [false] {
                index[key.environmentName(fileForm: fileForm), default: []].append((key, fileForm))
            }
        }
        return index
    }

    /// `STATUSHOOK_ACCOUNT_<AccountSid>_AUTH_TOKEN` and its `_PREVIOUS` and `_FILE` forms; nil
    /// for a variable of another shape.
    private static func accountVariable(_ variable: String) -> Result<(key: SettingKey, fileForm: Bool), ValueRule>? {
        let prefix = "STATUSHOOK_ACCOUNT_"
        guard variable.hasPrefix(prefix) else { return nil }
        let rest = variable.dropFirst(prefix.count)
        for field in AccountField.allCases {
            for fileForm in [false, true] {
                let suffix = "_" + (field.rawValue + (fileForm ? "_file" : "")).uppercased()
                guard rest.hasSuffix(suffix) else { continue }
                let sid = rest.dropLast(suffix.count)
                guard SettingKey.isAccountSid(sid) else {
                    return .failure(ValueRule("'\(sid)' is not an AccountSid ('AC' followed by 32 hex digits)"))
                }
                return .success((.account(sid: "AC" + sid.dropFirst(2).lowercased(), field: field), fileForm))
            }
        }
        return nil
    }
}
