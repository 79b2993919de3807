import SMTPClient
extension ConfigurationAssembler {
    /// One sink, or nil when it has a problem (then reported).
    mutating func assembleSink(named name: String, firstLine: Int) -> SinkConfiguration? {
        let typeKey = SettingKey.sink(name: name, field: .type)
        if !isSet(typeKey) {
            errors.report("missing required key '\(typeKey.name)' (log, smtp, webhook, slack or teams)", at: .line(firstLine))
        }
        let type = value(typeKey) { (text) throws(ValueRule) in try ValueSyntax.choice(text, of: SinkType.self) }
        reportUnknownFields(of: name, type: type)
        guard let type else { return nil }
        for field in SinkField.allCases where !field.sinkTypes.contains(type) {
            let key = SettingKey.sink(name: name, field: field)
            guard let setting = table.settings[key] else { continue }
            let written = if case .line = setting.origin { setting.writtenKey } else { key.name }
            errors.report("'\(written)' is not a setting of \(type.withArticle)", at: setting.origin)
        }
        for field in SinkField.allCases where field.sinkTypes.contains(type) && !field.hasFileForm(in: [type]) {
            guard let setting = table.settings[.sink(name: name, field: field)], setting.fileForm else { continue }
            errors.report("'\(setting.writtenKey)' is not a setting of \(type.withArticle): write '\(field.rawValue)' itself",
                          at: setting.origin)
        }
        let statuses = value(.sink(name: name, field: .statuses)) { (text) throws(ValueRule) in
            try ValueSyntax.list(text, item: ValueSyntax.status)
        }
        let kind: SinkConfiguration.Kind? = switch type {
        case .log: .log(LogSinkSettings(path: value(.sink(name: name, field: .path), Self.literal) ?? "-"))
        case .smtp: smtpSettings(name: name, firstLine: firstLine).map { .smtp($0) }
        case .webhook: webhookSettings(name: name, firstLine: firstLine).map { .webhook($0) }
        case .slack: chatSettings(name: name, type: type, firstLine: firstLine).map { .slack($0) }
        case .teams: chatSettings(name: name, type: type, firstLine: firstLine).map { .teams($0) }
        }
        return kind.map { SinkConfiguration(name: name, statuses: statuses, kind: $0) }
    }

    private mutating func smtpSettings(name: String, firstLine: Int) -> SMTPSinkSettings? {
        func key(_ field: SinkField) -> SettingKey { .sink(name: name, field: field) }
        requireFields([.smarthost, .from, .to], of: name, type: .smtp, firstLine: firstLine)
        requirePair(key(.username), key(.password))
        let smarthost = value(key(.smarthost), AddressSyntax.hostAndPort)
        let from = value(key(.from), AddressSyntax.mailAddress)
        let to = value(key(.to)) { (text) throws(ValueRule) in try ValueSyntax.list(text, item: AddressSyntax.mailAddress) }
        let tls = value(key(.tls)) { (text) throws(ValueRule) in try ValueSyntax.choice(text, of: SMTPTLSMode.self) }
        let username = value(key(.username), Self.literal)
        let password = value(key(.password), Self.literal)
        let hello = value(key(.hello), AddressSyntax.helloName)
        let allowPlaintextAuth = value(key(.allowPlaintextAuth), ValueSyntax.boolean)
        let timeout = value(key(.timeout), ValueSyntax.duration)
        let digestAfter = value(key(.digestAfter)) { (text) throws(ValueRule) in try ValueSyntax.count(text, minimum: 0) }
        let digestInterval = value(key(.digestInterval), ValueSyntax.duration)
        guard let smarthost, let from, let to else { return nil }
        var settings = SMTPSinkSettings(smarthostHost: smarthost.host, smarthostPort: smarthost.port, from: from, to: to)
        settings.tls = tls ?? settings.tls
        settings.username = username
        settings.password = password
        settings.hello = hello
        settings.allowPlaintextAuth = allowPlaintextAuth ?? settings.allowPlaintextAuth
        settings.timeout = timeout ?? settings.timeout
        settings.digestAfter = digestAfter ?? settings.digestAfter
        settings.digestInterval = digestInterval ?? settings.digestInterval
        return settings
    }

    private mutating func webhookSettings(name: String, firstLine: Int) -> WebhookSinkSettings? {
        func key(_ field: SinkField) -> SettingKey { .sink(name: name, field: field) }
        requireFields([.url, .secret], of: name, type: .webhook, firstLine: firstLine)
        let url = value(key(.url)) { (text) throws(ValueRule) in
            try AddressSyntax.httpURL(text, allowsQuery: true, trimsTrailingSlash: false)
        }
        let secret = value(key(.secret), AddressSyntax.webhookSecret)
        let secretPrevious = value(key(.secretPrevious), AddressSyntax.webhookSecret)
        let timeout = value(key(.timeout), ValueSyntax.duration)
        guard let url, let secret else { return nil }
        var settings = WebhookSinkSettings(url: url, secret: secret, secretPrevious: secretPrevious)
        settings.timeout = timeout ?? settings.timeout
        return settings
    }

    /// A chat sink's URL is its credential: https, so that it crosses no network in the clear,
    /// or http to this machine only (a local relay, a test receiver).
    private mutating func chatSettings(name: String, type: SinkType, firstLine: Int) -> ChatSinkSettings? {
        func key(_ field: SinkField) -> SettingKey { .sink(name: name, field: field) }
        requireFields([.url], of: name, type: type, firstLine: firstLine)
        let url = value(key(.url), AddressSyntax.chatWebhookURL)
        let timeout = value(key(.timeout), ValueSyntax.duration)
        let digestAfter = value(key(.digestAfter)) { (text) throws(ValueRule) in try ValueSyntax.count(text, minimum: 0) }
        let digestInterval = value(key(.digestInterval), ValueSyntax.duration)
        guard let url else { return nil }
        var settings = ChatSinkSettings(url: url)
        settings.timeout = timeout ?? settings.timeout
        settings.digestAfter = digestAfter ?? settings.digestAfter
        settings.digestInterval = digestInterval ?? settings.digestInterval
        return settings
    }

    /// Reported at the sink's first line, where a reader looks for the sink.
    private mutating func requireFields(_ fields: [SinkField], of name: String, type: SinkType, firstLine: Int) {
        for field in fields where !isSet(.sink(name: name, field: field)) {
            errors.report("missing required key 'sink.\(name).\(field.rawValue)' for \(type.withArticle)", at: .line(firstLine))
        }
    }

    /// Near misses are sought among the fields of the sink's type when it is known.
    private mutating func reportUnknownFields(of name: String, type: SinkType?) {
        let candidates = SinkField.writtenForms(for: type.map { [$0] } ?? Set(SinkType.allCases))
        for unknown in table.unknownSinkFields where unknown.sink == name {
            let suggestion = KeySuggestion.nearest(to: unknown.field, among: candidates).map { "sink.\(name).\($0)" }
            errors.report(KeyResolver.unknownKeyMessage("sink.\(name).\(unknown.field)", suggestion: suggestion), at: .line(unknown.line))
        }
    }
}
