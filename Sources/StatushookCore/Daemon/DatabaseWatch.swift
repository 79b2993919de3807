import DurationUnits
import Foundation
import Logging
import PostgresClient

/// Waits for the database at start (with backoff), checks or applies migrations, starts what
/// needs the database (`onReady`), and then keeps `/readyz` true to what it sees.
///
/// Migrations that are pending and may not be applied, or that this binary does not know, are
/// a failure: the daemon stops.
final class DatabaseWatch: BackgroundService {
    let database: PostgresEndpoint
    /// `read_database_url`: its replay lag goes to `/readyz` (detail only: reads fall back to
    /// the primary while it is away).
    let replica: PostgresEndpoint?
    let applyMigrations: Bool
    let readiness: Readiness
    let logger: Logger
    /// Runs on the watch's thread once the schema is current, before the first check.
    let onReady: @Sendable () -> Void
    private let threads = ServiceThreads()
    /// Between checks once running.
    let interval = Duration.seconds(2)
    /// The first wait after a failed connection at start; it doubles up to `maxDelay`.
    static let firstDelay = Duration.milliseconds(250)
    /// Short enough that a database that comes up is noticed soon, long enough not to hammer it.
    static let maxDelay = Duration.seconds(5)

    init(database: PostgresEndpoint, replica: PostgresEndpoint? = nil, applyMigrations: Bool,
         readiness: Readiness, logger: Logger, onReady: @escaping @Sendable () -> Void) {
        self.database = database
        self.replica = replica
        self.applyMigrations = applyMigrations
        self.readiness = readiness
        self.logger = logger
        self.onReady = onReady
    }

    var serviceName: String { "database watch" }

    func start(failure: ServiceFailure) {
        threads.spawn("database-watch") { [self] in
            do {
                guard try prepare() else { return }
                onReady()
                monitor()
            } catch {
                failure("\(error)")
            }
        }
        if let replica {
            readiness.note("replica", "not checked yet")
            threads.spawn("replica-watch") { [self] in watchReplica(replica) }
        }
    }

    /// Reads the replica's replay lag every `interval` for `/readyz`, on a kept connection.
    private func watchReplica(_ replica: PostgresEndpoint) {
        var connection: PostgresConnection?
        defer { connection?.close() }
        var away = false
        repeat {
            do {
                if connection?.isHealthy != true {
                    connection?.close()
                    connection = nil
                    connection = try replica.connect()
                }
                let row = try connection!.query(ReplicaLag.sql).rows.first ?? []
                let lag = ReplicaLag(row: row)
                readiness.note("replica", lag.detail)
                if away {
                    logger.notice("the read replica answers again; reads go to it")
                    away = false
                }
            } catch {
                connection?.close()
                connection = nil
                readiness.note("replica", ReplicaLag.awayDetail(error))
                if !away {
                    logger.warning("the read replica does not answer; reads go to the primary meanwhile",
                                   metadata: ["error": "\(error)"])
                    away = true
                }
            }
        } while threads.sleep(interval)
    }

    /// Ends the wait at start or the checks; a check in progress ends first (libpq's connect
    /// timeout bounds it).
    func stop(deadline: ContinuousClock.Instant) -> Bool {
        threads.requestStop()
        return threads.awaitEnd(deadline: deadline)
    }

    /// Returns true once migrations are current, false when stopped first; throws when they are
    /// pending and may not be applied, or do not match this binary.
    private func prepare() throws -> Bool {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try database.connect()
                defer { connection.close() }
                readiness.databaseReachable()
                var status = try MigrationRunner.status(EmbeddedMigrations.all, on: connection)
                switch status {
                case .current:
                    break
                case .pending(let pending):
                    guard applyMigrations else {
                        let names = pending.map(\.displayName).joined(separator: ", ")
                        readiness.migrations(current: false, detail: Self.detail(for: status))
                        throw Daemon.StartupError(description:
                            "\(pending.count) migration(s) pending (\(names)): run `statushook migrate` or `statushook serve --migrate`")
                    }
                    let applied = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
                    logger.info("migrations applied", metadata: ["applied": "\(applied.map(\.name))"])
                    status = .current
                case .ahead(let newer):
                    logAhead(newer)
                }
                readiness.migrations(current: true, detail: Self.detail(for: status))
                if attempt > 1 {
                    logger.info("database reachable", metadata: ["attempts": "\(attempt)"])
                }
                return true
            } catch let error as PostgresError where error.isConnectionProblem {
                let delay = Self.delay(afterAttempt: attempt, jitter: Double.random(in: 0.8...1.2))
                let milliseconds = delay.milliseconds(rounded: .down)
                readiness.databaseLost("unreachable (attempt \(attempt), retrying in \(milliseconds) ms): \(error.message)")
                logger.warning("waiting for the database", metadata: [
                    "error": "\(error.message)", "attempt": "\(attempt)", "retry_in_ms": "\(milliseconds)",
                ])
                guard threads.sleep(.milliseconds(milliseconds)) else { return false }
            }
        }
    }

    /// A newer release migrated the database (a rolling upgrade): this binary keeps serving.
    private func logAhead(_ newer: [String]) {
        logger.warning("the database has migrations newer than this binary; serving (migrations keep what older releases need), upgrade this binary",
                       metadata: ["newer": "\(newer.joined(separator: ", "))"])
    }

    /// What `/readyz` says of the migrations.
    static func detail(for status: MigrationStatus) -> String {
        switch status {
        case .current: return "current"
        case .pending(let pending): return "pending: \(pending.map(\.displayName).joined(separator: ", "))"
        case .ahead(let newer): return "current; the database also has newer migrations (\(newer.joined(separator: ", "))): upgrade this binary"
        }
    }

    /// The wait after the `attempt`-th failed connection at start: doubling from `firstDelay`,
    /// capped at `maxDelay`, times `jitter` (so that instances started together do not retry in step).
    static func delay(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let doublings = min(max(attempt - 1, 0), 16)
        return min(firstDelay * (1 << doublings), maxDelay) * jitter
    }

    /// Checks the database every `interval` until stopped.
    private func monitor() {
        var connection: PostgresConnection?
        defer { connection?.close() }
        var lastStatus: MigrationStatus?
        /// Whether the last check failed: a loss and a return are logged once each.
        var lost = false
        while threads.sleep(interval) {
            do {
                let status = try checkMigrations(reusing: &connection)
                readiness.databaseReachable()
                if lost {
                    logger.notice("database watch: the database answers again")
                    lost = false
                }
                if case .ahead(let newer) = status, status != lastStatus {
                    logAhead(newer)
                }
                lastStatus = status
                if case .pending = status {
                    readiness.migrations(current: false, detail: Self.detail(for: status))
                } else {
                    readiness.migrations(current: true, detail: Self.detail(for: status))
                }
            } catch let error as PostgresError {
                connection?.close()
                connection = nil
                readiness.databaseLost(error.message)
                if !lost {
                    logger.warning("database watch: the database does not answer; /readyz says so until it does",
                                   metadata: ["error": "\(error.message)"])
                    lost = true
                }
            } catch {
                readiness.migrations(current: false, detail: "\(error)")
                logger.warning("migrations check failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The migrations' status over the kept connection; a kept connection that broke (the
    /// server restarted since the last check) is replaced once at once, so that a database that
    /// is back is not reported lost until the next check.
    private func checkMigrations(reusing connection: inout PostgresConnection?) throws -> MigrationStatus {
        if let kept = connection, kept.isHealthy {
            do {
                return try MigrationRunner.status(EmbeddedMigrations.all, on: kept)
            } catch let error as PostgresError where error.isConnectionProblem {
                kept.close()
                connection = nil
            }
        }
        connection?.close()
        let fresh = try database.connect()
        connection = fresh
        return try MigrationRunner.status(EmbeddedMigrations.all, on: fresh)
    }
}
