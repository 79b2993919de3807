/// Everything the daemon reads from `statushook.conf` and `STATUSHOOK_*` variables, parsed and
/// checked (docs/contract.md §4).
///
/// Built by `ConfigurationLoader`; every value here has already passed its rule, so the rest of
/// the daemon never re-validates it.
public struct Configuration: Sendable, Equatable {
    /// Numeric IPv4 or IPv6 address, without brackets (`listen`).
    public var listenHost: String
    public var listenPort: UInt16
    /// External scheme, host, optional port and path prefix that Twilio signs, without a trailing
    /// `/`; userinfo, when present, is kept because Twilio signs it too.
    public var publicURL: String?
    public var callbackPath: String
    /// Entries as written (addresses or CIDR blocks), each already checked by `TrustedProxies`.
    public var trustedProxies: [String]
    /// A libpq conninfo or a `postgres://` / `postgresql://` URL.
    public var databaseURL: String
    /// A replica for the reads (history API, CLI read commands), or nil: they use `databaseURL`.
    public var readDatabaseURL: String?
    /// How long a callback's answer waits for its commit before it is 503 (under Twilio's 15 s).
    public var commitTimeout: Duration
    public var authToken: String?
    public var authTokenPrevious: String?
    /// Keyed by AccountSid, normalized to `AC` and lowercase hex as Twilio writes it.
    public var accountTokens: [String: AccountTokens]
    /// Set together with `callbackPassword` or not at all.
    public var callbackUsername: String?
    public var callbackPassword: String?
    public var maxBodyBytes: Int
    /// Bytes of a request's line and headers; larger heads are answered 431.
    public var maxHeaderBytes: Int
    /// Set together with `historyPassword` or not at all.
    public var historyUsername: String?
    public var historyPassword: String?
    /// One delay per retry, never empty, each above zero.
    public var retrySchedule: [Duration]
    public var sinkPauseAfter: Int
    /// Ingest writers, each with its database connection, recording the callbacks of its share of SIDs.
    public var ingestWriters: Int
    /// Callbacks a second above which ingest is in a burst and delivery yields to it; 0: never.
    public var burstRate: Int
    /// Nil keeps history forever.
    public var retentionDays: Int?
    public var logLevel: LogLevel
    public var logFormat: LogFormat
    public var maxConnections: Int
    /// How long a client may take to send one whole request (head and body) before it is
    /// disconnected, however it trickles the bytes.
    public var connectionTimeout: Duration
    public var httpThreads: Int
    /// In the order each sink first appears in the file.
    public var sinks: [SinkConfiguration]
    /// The TrustHub REST API (enrichment, reconciliation, `subscribe`): `twilio_account_sid`,
    /// `twilio_api_key`/`twilio_api_secret` (set together), `twilio_api_base`, `reconcile_interval`
    /// (nil: off). ``TrustHubSettings`` turns them into credentials.
    public var twilioAccountSid: String?
    public var twilioAPIKey: String?
    public var twilioAPISecret: String?
    /// Scheme, host, optional port and path prefix, without a trailing `/`.
    public var twilioAPIBase: String
    public var reconcileInterval: Duration?

    /// Every setting at its default; `databaseURL` has none.
    public init(databaseURL: String) {
        listenHost = "127.0.0.1"
        listenPort = 8080
        publicURL = nil
        callbackPath = "/callbacks/twilio"
        trustedProxies = []
        self.databaseURL = databaseURL
        readDatabaseURL = nil
        commitTimeout = .seconds(10)
        authToken = nil
        authTokenPrevious = nil
        accountTokens = [:]
        callbackUsername = nil
        callbackPassword = nil
        maxBodyBytes = 65536
        maxHeaderBytes = 16384
        historyUsername = nil
        historyPassword = nil
        retrySchedule = [.seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600), .seconds(10 * 3600)]
        sinkPauseAfter = 20
        burstRate = 500
        ingestWriters = 2
        retentionDays = nil
        logLevel = .info
        logFormat = .json
        maxConnections = 1024
        connectionTimeout = .seconds(10)
        httpThreads = 2
        sinks = []
        twilioAccountSid = nil
        twilioAPIKey = nil
        twilioAPISecret = nil
        twilioAPIBase = "https://trusthub.twilio.com"
        reconcileInterval = nil
    }
}
