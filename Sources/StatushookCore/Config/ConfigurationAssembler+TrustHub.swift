/// The TrustHub REST API keys: who statushook is at Twilio's API, where the API is,
/// and how often to reconcile.
extension ConfigurationAssembler {
    mutating func assembleTrustHub(into configuration: inout Configuration) {
        configuration.twilioAccountSid = value(.core(.twilioAccountSid)) { (text) throws(ValueRule) in
            guard SettingKey.isAccountSid(text) else { throw ValueRule("expected 'AC' followed by 32 hex digits") }
            return "AC" + text.dropFirst(2).lowercased()
        }
        configuration.twilioAPIKey = value(.core(.twilioAPIKey)) { (text) throws(ValueRule) in
            let scalars = text.unicodeScalars
            guard scalars.count == 34, text.hasPrefix("SK"),
                  scalars.dropFirst(2).allSatisfy({ $0.isASCII && Character($0).isHexDigit }) else {
                throw ValueRule("expected an API key SID: 'SK' followed by 32 hex digits")
            }
            return String(text)
        }
        configuration.twilioAPISecret = value(.core(.twilioAPISecret), Self.literal)
        configuration.twilioAPIBase = value(.core(.twilioAPIBase)) { (text) throws(ValueRule) in
            try AddressSyntax.httpURL(text, allowsQuery: false, trimsTrailingSlash: true)
        } ?? configuration.twilioAPIBase
        configuration.reconcileInterval = value(.core(.reconcileInterval)) { (text) throws(ValueRule) in
            let interval = try ValueSyntax.duration(text)
            guard interval >= .seconds(1) else { throw ValueRule("expected at least 1s") }
            return interval
        }
    }

    /// `reconcile_interval` calls the API: it needs credentials (``TrustHubSettings``); and
    /// `twilio_account_sid` without an API key needs a token to go with it.
    mutating func checkTrustHubCredentials() {
        let hasKey = isSet(.core(.twilioAPIKey)) && isSet(.core(.twilioAPISecret))
        let hasAccount = isSet(.core(.twilioAccountSid))
        if hasAccount, !hasKey, !isSet(.core(.authToken)), let setting = values[.core(.twilioAccountSid)],
           SettingKey.isAccountSid(Substring(setting.text)) {
            let sid = "AC" + setting.text.dropFirst(2).lowercased()
            if !isSet(.account(sid: sid, field: .authToken)) {
                errors.report("'twilio_account_sid' has no auth token to call the TrustHub API with: set 'auth_token' "
                              + "or 'account.\(sid).auth_token', or 'twilio_api_key' and 'twilio_api_secret'",
                              at: setting.origin)
            }
        }
        guard let origin = table.settings[.core(.reconcileInterval)]?.origin else { return }
        if !hasKey && !hasAccount {
            errors.report("'reconcile_interval' needs TrustHub API credentials: 'twilio_account_sid' (with its auth token) "
                          + "or 'twilio_api_key' and 'twilio_api_secret'", at: origin)
        }
    }
}
