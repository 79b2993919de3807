/// A setting outside any account or sink, spelled as in the file.
enum CoreKey: String, CaseIterable, Sendable {
    case listen
    case publicURL = "public_url"
    case callbackPath = "callback_path"
    case trustedProxies = "trusted_proxies"
    case databaseURL = "database_url"
    case commitTimeout = "commit_timeout"
    case ingestWriters = "ingest_writers"
    case readDatabaseURL = "read_database_url"
    case authToken = "auth_token"
    case authTokenPrevious = "auth_token_previous"
    case callbackUsername = "callback_username"
    case callbackPassword = "callback_password"
    case maxBodyBytes = "max_body_bytes"
    case maxHeaderBytes = "max_header_bytes"
    case historyUsername = "history_username"
    case historyPassword = "history_password"
    case retrySchedule = "retry_schedule"
    case sinkPauseAfter = "sink_pause_after"
    case burstRate = "burst_rate"
    case retentionDays = "retention_days"
    case logLevel = "log_level"
    case logFormat = "log_format"
    case maxConnections = "max_connections"
    case connectionTimeout = "connection_timeout"
    case httpThreads = "http_threads"
    case twilioAccountSid = "twilio_account_sid"
    case twilioAPIKey = "twilio_api_key"
    case twilioAPISecret = "twilio_api_secret"
    case twilioAPIBase = "twilio_api_base"
    case reconcileInterval = "reconcile_interval"

    /// Secrets also have a `…_file` form and are never quoted in an error.
    /// `database_url` (and `read_database_url`) is one because a URL may carry a password.
    var isSecret: Bool {
        switch self {
        case .databaseURL, .readDatabaseURL, .authToken, .authTokenPrevious, .callbackPassword, .historyPassword, .twilioAPISecret: true
        default: false
        }
    }
}

/// A setting of one subaccount: `account.<AccountSid>.<field>`. Both are secrets.
enum AccountField: String, CaseIterable, Sendable {
    case authToken = "auth_token"
    case authTokenPrevious = "auth_token_previous"
}
