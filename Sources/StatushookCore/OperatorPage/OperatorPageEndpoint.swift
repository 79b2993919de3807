import HTTPServer
import Logging
import PostgresClient
import Locking

/// `GET /ui/...`: the read-only operator page, HTML rendered here from the database.
///
/// On and off with the history API, behind the same Basic credentials (an operator who may read
/// the history may read it as a page); the router answers other methods 405. `check` refuses on
/// the head alone; `respond` runs on a reader thread and blocks on the read pool.
public final class OperatorPageEndpoint: ReadEndpoint, ReloadableEndpoint {
    struct Settings: Sendable {
        /// Nil when the history API is off: every page is then a 404.
        var credentials: BasicCredentials?
        var sinks: [String]

        init(_ configuration: Configuration) {
            if let username = configuration.historyUsername, let password = configuration.historyPassword {
                credentials = BasicCredentials(username: username, password: password)
            }
            sinks = configuration.sinks.map(\.name)
        }
    }

    /// No script at all, styles and images only from here, never in a frame, forms only to here.
    static let securityHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
        ("X-Frame-Options", "DENY"),
    ]

    private let settings: Locked<Settings>
    private let pool: PostgresPool
    private let readiness: Readiness
    private let store = OperatorPageStore()
    /// Review-time figures of weeks that have ended, by the week's start (epoch seconds).
    private let pastWeeks = Locked<[Int64: PageFigures.WeekStats]>([:])
    /// The overview's latest count by status, and when (epoch seconds) it was made.
    private let keptStatusCounts = Locked<(counts: [StatusCount], at: Int64)?>(nil)
    private let logger: Logger

    public init(configuration: Configuration, pool: PostgresPool, readiness: Readiness, logger: Logger) {
        settings = Locked(Settings(configuration))
        self.pool = pool
        self.readiness = readiness
        self.logger = logger
    }

    public func prepareReload(_ configuration: Configuration) throws -> @Sendable () -> Void {
        let fresh = Settings(configuration)
        return { [self] in self.settings.withLock { $0 = fresh } }
    }

    public func check(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard let credentials = settings.withLock({ $0.credentials }) else {
            return TwilioErrorResponse.make(404, "the operator page is off: set history_username and history_password to turn it on")
        }
        guard credentials.authorize(head.headers["Authorization"]) else {
            return BasicCredentials.challenge("operator page")
        }
        if case .failure(let error) = OperatorPageRoute.parse(path: head.path, query: head.query) {
            return Self.page(error.status, OperatorPages.problem(status: error.status, message: error.message, now: Self.now()))
        }
        return nil
    }

    public func respond(to head: HTTPRequestHead) -> HTTPResponse {
        if let refused = check(head) { return refused }
        guard case .success(let route) = OperatorPageRoute.parse(path: head.path, query: head.query) else {
            return TwilioErrorResponse.make(404, "no page at \(head.path)")
        }
        if route == .stylesheet {
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/css; charset=utf-8")] + Self.securityHeaders,
                                body: Array(EmbeddedStylesheet.text.utf8))
        }
        let sinks = settings.withLock { $0.sinks }
        do {
            return try pool.withConnection { connection in
                // One snapshot for the page's few queries; no JIT: compiling costs tens of
                // milliseconds, more than any of these bounded reads.
                try connection.transaction {
                    try connection.execute("SET LOCAL jit = off")
                    return try answer(route, sinks: sinks, on: connection)
                }
            }
        } catch let error as PostgresError where error.isConnectionProblem {
            logger.warning("operator page failed: the database is unavailable", metadata: ["path": "\(head.path)", "error": "\(error)"])
            return Self.page(503, OperatorPages.problem(status: 503, message: "The database is unavailable; try again shortly.", now: Self.now()),
                             extra: [("Retry-After", "5")])
        } catch {
            logger.error("operator page failed", metadata: ["path": "\(head.path)", "error": "\(error)"])
            return Self.page(500, OperatorPages.problem(status: 500, message: "The page could not be read from the database.", now: Self.now()))
        }
    }

    private func answer(_ route: OperatorPageRoute, sinks: [String], on connection: PostgresConnection) throws -> HTTPResponse {
        let now = Self.now()
        switch route {
        case .overview:
            let counted = try statusCounts(now: now, on: connection)
            let outbox = try store.outbox(sinks: sinks, on: connection)
            var ready = false
            var checks: [(String, String)] = []
            if case .object(let members) = readiness.report {
                for (name, value) in members {
                    switch value {
                    case .bool(let flag) where name == "ready": ready = flag
                    case .string(let text): checks.append((name, text))
                    default: break
                    }
                }
            }
            let data = OverviewData(statusCounts: counted.counts, countedAt: counted.at, deliveryCounts: outbox.deliveries,
                                    sinks: outbox.sinks, ready: ready, readiness: checks)
            return Self.page(200, OperatorPages.overview(data, now: now))
        case .profiles(let query):
            return Self.page(200, OperatorPages.profiles(try store.profiles(query, on: connection), query: query, now: now))
        case .profile(let sid):
            guard let found = try store.profile(sid: sid, on: connection) else {
                return Self.page(404, OperatorPages.problem(status: 404, message: "statushook has no resource \(sid).", now: now))
            }
            return Self.page(200, OperatorPages.profile(found.detail, transitions: found.transitions, deliveries: found.deliveries, now: now))
        case .rejections:
            let found = try store.rejections(on: connection)
            return Self.page(200, OperatorPages.rejections(latest: found.latest, recent: found.recent, now: now))
        case .reviewTimes:
            return Self.page(200, OperatorPages.reviewTimes(try reviewWeeks(now: now, on: connection), now: now))
        case .deliveries:
            let found = try store.deliveries(sinks: sinks, on: connection)
            return Self.page(200, OperatorPages.deliveries(dead: found.dead, retrying: found.retrying, now: now))
        case .stylesheet:
            preconditionFailure("answered before")
        }
    }

    /// How long the overview's count by status is kept.
    static let statusCountsKept: Int64 = 10

    /// The count by status, at most ``statusCountsKept`` seconds old, and when it was made. It is
    /// the one read of every resource (a pass over `profiles`, tens of milliseconds at 100,000):
    /// kept, at most one request in ten seconds pays it.
    private func statusCounts(now: Int64, on connection: PostgresConnection) throws -> (counts: [StatusCount], at: Int64) {
        if let kept = keptStatusCounts.withLock({ $0 }), now - kept.at < Self.statusCountsKept, kept.at <= now {
            return kept
        }
        let fresh = (counts: try store.statusCounts(on: connection), at: now)
        keptStatusCounts.withLock { $0 = fresh }
        return fresh
    }

    /// Weeks the review times cover: this one and the eleven before.
    static let reviewWeekCount = 12

    /// The figures of the last weeks, newest first. A week that has ended is read once and kept:
    /// a transition's time is when statushook recorded it, so no verdict joins a past week later.
    /// The current week is read on every request.
    private func reviewWeeks(now: Int64, on connection: PostgresConnection) throws -> [PageFigures.WeekStats] {
        let current = PageFigures.weekStartEpoch(now)
        var weeks: [PageFigures.WeekStats] = []
        for index in 0..<Self.reviewWeekCount {
            let start = current - Int64(index) * 7 * 86_400
            if index > 0, let kept = pastWeeks.withLock({ $0[start] }) {
                weeks.append(kept)
                continue
            }
            let samples = try store.reviewTimes(weekStarting: start, on: connection)
            let week = PageFigures.week(PageFigures.weekStart(start), samples, truncated: samples.count >= OperatorPageSQL.verdictLimit)
            if index > 0 {
                pastWeeks.withLock { kept in
                    kept[start] = week
                    kept = kept.filter { $0.key > current - Int64(Self.reviewWeekCount + 1) * 7 * 86_400 }
                }
            }
            weeks.append(week)
        }
        return weeks
    }

    static func page(_ status: Int, _ html: HTML, extra: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + securityHeaders + extra, body: html.document)
    }

    private static func now() -> Int64 {
        Timestamp.now().seconds
    }
}
