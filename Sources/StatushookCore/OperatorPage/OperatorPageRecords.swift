import PostgresClient

/// A time as the pages show it: UTC text, and epoch seconds for the relative form.
struct PageTime: Sendable, Equatable {
    /// `statushook_rfc3339` form.
    var text: String
    var epoch: Int64

    init(text: String, epoch: Int64) {
        self.text = text
        self.epoch = epoch
    }

    /// Columns `name` and `name_epoch`; nil when NULL.
    init?(row: PostgresRow, _ name: String) throws(PostgresDecodingError) {
        guard let text = row[name] else { return nil }
        self.init(text: text, epoch: try row.decode(name + "_epoch", as: Int64.self))
    }
}

struct StatusCount: Sendable, Equatable {
    var kind: ResourceKind
    var status: String
    var count: Int64
}

struct SinkStateCount: Sendable, Equatable {
    var sink: String
    /// `pending`, `retrying`, `delivering` or `dead`.
    var state: String
    var count: Int64
}

struct SinkHealthRow: Sendable, Equatable {
    var sink: String
    var configured: Bool
    var paused: Bool
    var pausedReason: String?
    var pausedAt: PageTime?
    var consecutiveFailures: Int64
    var lastError: String?
    var lastErrorAt: PageTime?
}

/// One line of the profiles list.
struct ProfileRow: Sendable, Equatable {
    var sid: String
    var kind: ResourceKind?
    var friendlyName: String?
    var status: String
    /// When it came to its current status.
    var since: PageTime

    init(sid: String, kind: ResourceKind? = nil, friendlyName: String? = nil, status: String, since: PageTime) {
        self.sid = sid
        self.kind = kind
        self.friendlyName = friendlyName
        self.status = status
        self.since = since
    }

    init(row: PostgresRow) throws(PostgresDecodingError) {
        self.init(sid: try row.decode("sid", as: String.self), kind: row["kind"].flatMap(ResourceKind.init(rawValue:)),
                  friendlyName: row["friendly_name"], status: try row.decode("status", as: String.self),
                  since: try PageTime(row: row, "since") ?? PageTime(text: "", epoch: 0))
    }
}

/// The head of one profile's page.
struct ProfileDetail: Sendable, Equatable {
    var row: ProfileRow
    var accountSid: String?
    var policySid: String?
    var email: String?
    /// The `errors` column's JSON text (Twilio's, once enrichment read it).
    var errors: String?
    var created: PageTime?

    init(row: ProfileRow, accountSid: String? = nil, policySid: String? = nil, email: String? = nil,
         errors: String? = nil, created: PageTime? = nil) {
        self.row = row
        self.accountSid = accountSid
        self.policySid = policySid
        self.email = email
        self.errors = errors
        self.created = created
    }

    /// Twilio's error codes of the stored `errors`.
    var errorCodes: [String] {
        guard let errors, let value = JSONValue(parsing: errors) else { return [] }
        switch value {
        case .object: return JSONValue.array([value]).twilioErrorCodes
        default: return value.twilioErrorCodes
        }
    }
}

struct TransitionRow: Sendable, Equatable {
    var id: Int64
    var sid: String
    var fromStatus: String?
    var toStatus: String
    var failureReason: String?
    var unexpected: Bool
    var source: String
    var at: PageTime

    init(id: Int64, sid: String, fromStatus: String? = nil, toStatus: String, failureReason: String? = nil,
         unexpected: Bool = false, source: String = "callback", at: PageTime) {
        self.id = id
        self.sid = sid
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.failureReason = failureReason
        self.unexpected = unexpected
        self.source = source
        self.at = at
    }

    init(row: PostgresRow) throws(PostgresDecodingError) {
        self.init(id: try row.decode("id", as: Int64.self), sid: try row.decode("sid", as: String.self),
                  fromStatus: row["from_status"], toStatus: try row.decode("to_status", as: String.self),
                  failureReason: row["failure_reason"], unexpected: try row.decode("unexpected", as: Bool.self),
                  source: try row.decode("source", as: String.self), at: try PageTime(row: row, "at") ?? PageTime(text: "", epoch: 0))
    }

    /// Twilio error codes named in the failure reason (five digits, e.g. 18601).
    var errorCodes: [String] {
        failureReason.map(TransitionEmail.errorCodes(in:)) ?? []
    }
}

struct DeliveryRow: Sendable, Equatable {
    var id: Int64
    var transitionID: Int64?
    var noticeID: Int64?
    /// The transition's resource and status; nil for a notice (or not read).
    var sid: String?
    var toStatus: String?
    var sink: String
    var state: String
    var attemptCount: Int64
    var lastError: String?
    var created: PageTime
    var nextAttempt: PageTime
    var finished: PageTime?
    var attempts: [DeliveryRecord.Attempt] = []

    init(id: Int64, transitionID: Int64? = nil, noticeID: Int64? = nil, sid: String? = nil, toStatus: String? = nil,
         sink: String, state: String, attemptCount: Int64, lastError: String? = nil, created: PageTime,
         nextAttempt: PageTime, finished: PageTime? = nil, attempts: [DeliveryRecord.Attempt] = []) {
        self.id = id
        self.transitionID = transitionID
        self.noticeID = noticeID
        self.sid = sid
        self.toStatus = toStatus
        self.sink = sink
        self.state = state
        self.attemptCount = attemptCount
        self.lastError = lastError
        self.created = created
        self.nextAttempt = nextAttempt
        self.finished = finished
        self.attempts = attempts
    }

    init(row: PostgresRow) throws(PostgresDecodingError) {
        let zero = PageTime(text: "", epoch: 0)
        self.init(id: try row.decode("id", as: Int64.self),
                  transitionID: row["transition_id"] == nil ? nil : try row.decode("transition_id", as: Int64.self),
                  noticeID: row["notice_id"] == nil ? nil : try row.decode("notice_id", as: Int64.self),
                  sid: row["sid"], toStatus: row["to_status"], sink: try row.decode("sink", as: String.self),
                  state: try row.decode("state", as: String.self), attemptCount: try row.decode("attempts", as: Int64.self),
                  lastError: row["last_error"], created: try PageTime(row: row, "created") ?? zero,
                  nextAttempt: try PageTime(row: row, "next_attempt") ?? zero, finished: try PageTime(row: row, "finished"))
    }

    /// The command that sends a dead delivery again (`statushook replay` re-queues dead ones).
    var replayCommand: String {
        "statushook replay --id \(id)"
    }
}

struct RejectionRow: Sendable, Equatable {
    var transition: TransitionRow
    var friendlyName: String?
    var kind: ResourceKind?
    /// The profile's stored `errors` JSON text.
    var errors: String?

    /// The codes of the failure reason, else those Twilio's API gave for the resource.
    var errorCodes: [String] {
        let named = transition.errorCodes
        return named.isEmpty ? ProfileDetail(row: ProfileRow(sid: "", status: "", since: transition.at), errors: errors).errorCodes : named
    }
}

/// One rejection as the per-code counts read it.
struct RecentRejection: Sendable, Equatable {
    var failureReason: String?
    var errors: String?
    var epoch: Int64

    var errorCodes: [String] {
        RejectionRow(transition: TransitionRow(id: 0, sid: "", toStatus: "twilio-rejected", failureReason: failureReason,
                                               at: PageTime(text: "", epoch: epoch)), errors: errors).errorCodes
    }
}

/// One verdict: how long after the resource went to pending-review Twilio approved or rejected it.
struct ReviewSample: Sendable, Equatable {
    var verdict: String
    /// When the verdict came.
    var epoch: Int64
    var seconds: Int64
}

/// Everything the overview shows.
struct OverviewData: Sendable, Equatable {
    var statusCounts: [StatusCount]
    /// When the statuses were counted (epoch seconds): the count is kept a few seconds.
    var countedAt: Int64
    var deliveryCounts: [SinkStateCount]
    var sinks: [SinkHealthRow]
    var ready: Bool
    /// The readiness report's checks, as `/readyz` gives them.
    var readiness: [(String, String)]

    static func == (left: OverviewData, right: OverviewData) -> Bool {
        left.statusCounts == right.statusCounts && left.countedAt == right.countedAt && left.deliveryCounts == right.deliveryCounts && left.sinks == right.sinks
            && left.ready == right.ready && left.readiness.map { [$0.0, $0.1] } == right.readiness.map { [$0.0, $0.1] }
    }
}
