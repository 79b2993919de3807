import Foundation
import Logging
import PostgresClient

/// Waits for the database at start (with backoff), checks or applies migrations, and then keeps
/// `/readyz` true to what it sees.
struct DatabaseWatch: Sendable {
    let conninfo: String
    let applyMigrations: Bool
    let readiness: Readiness
    let logger: Logger
    /// Between checks once running.
    let interval = Duration.seconds(2)
    /// The first wait after a failed connection at start; it doubles up to `maxDelay`.
    static let firstDelay = Duration.milliseconds(250)
    /// Short enough that a database that comes up is noticed soon, long enough not to hammer it.
    static let maxDelay = Duration.seconds(5)

    /// Returns once migrations are current; throws when they are pending and may not be applied,
    /// or do not match this binary.
    func prepare() throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try PostgresConnection.connect(conninfo)
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
                return
            } catch let error as PostgresError where error.isConnectionProblem {
                let delay = Self.delay(afterAttempt: attempt, jitter: Double.random(in: 0.8...1.2))
                let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
                readiness.databaseLost("unreachable (attempt \(attempt), retrying in \(milliseconds) ms): \(error.message)")
                logger.warning("waiting for the database", metadata: [
                    "error": "\(error.message)", "attempt": "\(attempt)", "retry_in_ms": "\(milliseconds)",
                ])
                Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
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

    /// Checks the database every `interval`, forever.
    func monitor() {
        var connection: PostgresConnection?
        var lastStatus: MigrationStatus?
        while true {
            Thread.sleep(forTimeInterval: Double(interval.components.seconds))
            do {
                let status = try checkMigrations(reusing: &connection)
                readiness.databaseReachable()
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
            } catch {
                readiness.migrations(current: false, detail: "\(error)")
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
        let fresh = try PostgresConnection.connect(conninfo)
        connection = fresh
        return try MigrationRunner.status(EmbeddedMigrations.all, on: fresh)
    }
}
