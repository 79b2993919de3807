/// How statushook reaches Twilio's TrustHub REST API, from the configuration.
///
/// HTTP Basic credentials are an API key and its secret (`twilio_api_key`/`twilio_api_secret`)
/// when set, else `twilio_account_sid` with its auth token: `account.<that sid>.auth_token` when
/// the file has one, else `auth_token` (the token that also signs callbacks). Without either,
/// the API is not used: no enrichment, no reconciliation, and `subscribe` refuses to run.
public struct TrustHubSettings: Sendable, Equatable {
    public var username: String
    public var password: String
    /// Scheme, host, optional port and path prefix, without a trailing `/`. Never logged.
    public var apiBase: String
    /// Nil: reconciliation is off.
    public var reconcileInterval: Duration?

    public init(username: String, password: String, apiBase: String, reconcileInterval: Duration? = nil) {
        self.username = username
        self.password = password
        self.apiBase = apiBase
        self.reconcileInterval = reconcileInterval
    }

    /// Nil when the configuration names no credentials for the API.
    public init?(_ configuration: Configuration) {
        if let key = configuration.twilioAPIKey, let secret = configuration.twilioAPISecret {
            (username, password) = (key, secret)
        } else if let account = configuration.twilioAccountSid,
                  let token = configuration.accountTokens[account]?.current ?? configuration.authToken {
            (username, password) = (account, token)
        } else {
            return nil
        }
        apiBase = configuration.twilioAPIBase
        reconcileInterval = configuration.reconcileInterval
    }
}
