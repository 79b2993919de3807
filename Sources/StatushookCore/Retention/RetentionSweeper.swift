import Foundation
import Logging
import PostgresClient
import Locking

/// `retention_days`: on a thread of its own, deletes callbacks, transitions and finished
/// deliveries older than the window, in small batches with a pause between them.
///
/// Ingest never waits for it: each batch is one short statement in its own transaction, over
/// rows no callback touches any more, and the profiles (current state) are never deleted. A
/// process that ends mid-sweep loses nothing: the next sweep starts where the window says.
public final class RetentionSweeper: BackgroundService {
    public struct Settings: Sendable, Equatable {
        public var interval = Duration.seconds(300)
        /// The first sweep, soon after start rather than a whole interval later.
        public var firstDelay = Duration.seconds(30)
        /// Rows one statement deletes at most (per table; a transition's deliveries go with it).
        public var batchSize = 1000
        /// Between two statements, so that a large backlog leaves room for everything else.
        public var pause = Duration.milliseconds(50)

        public init() {}

        /// The defaults, with two operator and test knobs that are not configuration keys:
        /// `STATUSHOOK_RETENTION_INTERVAL` (a duration such as `1s` or `1h`; the first sweep
        /// comes no later than it) and `STATUSHOOK_RETENTION_BATCH_SIZE` (a positive count).
        /// Returns the settings and a sentence per variable it could not read.
        public static func from(environment: [String: String]) -> (settings: Settings, problems: [String]) {
            var settings = Settings()
            var problems: [String] = []
            if let text = environment["STATUSHOOK_RETENTION_INTERVAL"] {
                if let interval = try? ValueSyntax.duration(Substring(text)) {
                    settings.interval = interval
                    settings.firstDelay = min(settings.firstDelay, interval)
                } else {
                    problems.append("STATUSHOOK_RETENTION_INTERVAL=\(text) is not a duration (500ms, 5s, 5m, 2h); ignored")
                }
            }
            if let text = environment["STATUSHOOK_RETENTION_BATCH_SIZE"] {
                if let size = Int(text), size > 0 {
                    settings.batchSize = size
                } else {
                    problems.append("STATUSHOOK_RETENTION_BATCH_SIZE=\(text) is not a positive count; ignored")
                }
            }
            return (settings, problems)
        }
    }

    private let database: PostgresEndpoint
    /// `retention_days`, changed by a SIGHUP (`reload(days:)`); nil keeps everything.
    private let days: Locked<Int?>
    /// Whether `start` was called, and whether the sweeping thread runs.
    private let state = Locked<(started: Bool, threadRunning: Bool)>((false, false))
    private let threads = ServiceThreads()
    private let settings: Settings
    private let problems: [String]
    private let metrics: StatushookMetrics
    private let logger: Logger

    /// `days` nil keeps everything: `start` then does nothing.
    public init(database: PostgresEndpoint, days: Int?, metrics: StatushookMetrics, logger: Logger,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        (settings, problems) = Settings.from(environment: environment)
        self.database = database
        self.days = Locked(days)
        self.metrics = metrics
        self.logger = logger
    }

    init(database: PostgresEndpoint, days: Int?, settings: Settings, metrics: StatushookMetrics, logger: Logger) {
        self.database = database
        self.days = Locked(days)
        self.settings = settings
        problems = []
        self.metrics = metrics
        self.logger = logger
    }

    public var serviceName: String { "retention" }

    /// Starts the sweeping thread (when `retention_days` is set).
    public func start(failure: ServiceFailure) {
        for problem in problems { logger.warning("retention: \(problem)") }
        state.withLock { $0.started = true }
        startThreadIfNeeded()
    }

    /// Ends the sweep in progress before its next statement, and the thread; a sweep cut short
    /// loses nothing (the next one starts where the window says).
    public func stop(deadline: ContinuousClock.Instant) -> Bool {
        threads.requestStop()
        return threads.awaitEnd(deadline: deadline)
    }

    /// A new `retention_days` (SIGHUP): the next sweep uses it; nil stops sweeping.
    public func reload(days fresh: Int?) {
        let old = days.withLock { old in
            defer { old = fresh }
            return old
        }
        guard old != fresh else { return }
        logger.info("retention: retention_days changed", metadata: ["from": "\(old.map(String.init) ?? "unset")",
                                                                   "to": "\(fresh.map(String.init) ?? "unset")"])
        startThreadIfNeeded()
    }

    private func startThreadIfNeeded() {
        guard let days = days.withLock({ $0 }) else {
            logger.debug("retention_days is not set: history is kept forever")
            return
        }
        let start = state.withLock { state in
            guard state.started && !state.threadRunning else { return false }
            state.threadRunning = true
            return true
        }
        guard start else { return }
        logger.info("retention: deleting history older than \(days) days", metadata: [
            "every": "\(settings.interval)", "first_in": "\(settings.firstDelay)", "batch_size": "\(settings.batchSize)"])
        threads.spawn("retention") { [self] in
            guard threads.sleep(settings.firstDelay) else { return }
            repeat {
                if let days = self.days.withLock({ $0 }) { sweep(days: days) }
            } while threads.sleep(settings.interval)
        }
    }

    /// One sweep on a connection of its own, logged; a failure waits for the next interval.
    private func sweep(days: Int) {
        let began = ContinuousClock.now
        do {
            let connection = try database.connect()
            defer { connection.close() }
            let report = try runOnce(days: days, on: connection)
            let metadata: Logger.Metadata = [
                "cutoff": "\(report.cutoff)", "callbacks": "\(report.callbacks)", "transitions": "\(report.transitions)",
                "deliveries": "\(report.deliveries)", "notices": "\(report.notices)", "kept": "\(report.kept)",
                "batches": "\(report.batches)", "duration": "\(ContinuousClock.now - began)",
            ]
            if report.deleted > 0 {
                logger.info("retention: deleted history older than the window", metadata: metadata)
            } else {
                logger.debug("retention: nothing older than the window", metadata: metadata)
            }
        } catch is SweepStopped {
            logger.info("retention: sweep cut short by the stop; the next one goes on from the window")
        } catch {
            logger.warning("retention sweep failed; trying again at the next interval", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes everything older than `days` on `connection`, batch by batch, pausing between them.
    func runOnce(days: Int, on connection: PostgresConnection) throws -> RetentionReport {
        let cutoff = try connection.query(RetentionSQL.cutoff, [String(days)])[0, "cutoff"] ?? ""
        var report = RetentionReport(cutoff: cutoff)
        let batch = String(settings.batchSize)

        var after = (at: "-infinity", id: "0")
        while true {
            let row = try batchRow(RetentionSQL.transitionsBatch, [cutoff, after.at, after.id, batch], on: connection, &report)
            let removed = Int(row["removed"] ?? "") ?? 0
            report.transitions += removed
            metrics.retentionDeleted(table: "transitions", count: removed)
            guard let at = row["last_at"], let id = row["last_id"], scanned(row) == settings.batchSize else { break }
            after = (at, id)
        }
        var lastNotice = "0"
        while true {
            let row = try batchRow(RetentionSQL.noticesBatch, [cutoff, lastNotice, batch], on: connection, &report)
            let removed = Int(row["removed"] ?? "") ?? 0
            report.notices += removed
            metrics.retentionDeleted(table: "sink_notices", count: removed)
            guard let id = row["last_id"], scanned(row) == settings.batchSize else { break }
            lastNotice = id
        }
        while true {
            let removed = Int(try statement(RetentionSQL.callbacksBatch, [cutoff, batch], on: connection, &report)[0, "removed"] ?? "") ?? 0
            report.callbacks += removed
            metrics.retentionDeleted(table: "callbacks", count: removed)
            guard removed == settings.batchSize else { break }
        }
        return report
    }

    /// A transitions or notices batch: counts its finished deliveries and what it kept.
    private func batchRow(_ sql: String, _ parameters: [String?], on connection: PostgresConnection,
                          _ report: inout RetentionReport) throws -> PostgresRow {
        let row = try statement(sql, parameters, on: connection, &report)[0]
        let deliveries = Int(row["deliveries"] ?? "") ?? 0
        report.deliveries += deliveries
        report.kept += scanned(row) - (Int(row["removed"] ?? "") ?? 0)
        metrics.retentionDeleted(table: "deliveries", count: deliveries)
        return row
    }

    /// Runs one batch statement, after the pause that separates it from the previous one.
    private func statement(_ sql: String, _ parameters: [String?], on connection: PostgresConnection,
                           _ report: inout RetentionReport) throws -> PostgresRows {
        if report.batches > 0, !threads.sleep(settings.pause) { throw SweepStopped() }
        report.batches += 1
        return try connection.query(sql, parameters)
    }

    private func scanned(_ row: PostgresRow) -> Int {
        Int(row["scanned"] ?? "") ?? 0
    }
}

/// The stop came between two statements of a sweep.
private struct SweepStopped: Error {}
