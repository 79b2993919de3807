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

    /// Returns once migrations are current; throws when they are pending and may not be applied,
    /// or do not match this binary.
    func prepare() throws {
        var delay = Duration.milliseconds(250)
        while true {
            do {
                let connection = try PostgresConnection.connect(conninfo)
                defer { connection.close() }
                readiness.databaseReachable()
                switch try MigrationRunner.status(EmbeddedMigrations.all, on: connection) {
                case .current:
                    break
                case .pending(let pending):
                    guard applyMigrations else {
                        let names = pending.map { "\($0.version)_\($0.name)" }.joined(separator: ", ")
                        readiness.migrations(current: false, detail: "pending: \(names)")
                        throw Daemon.StartupError(description:
                            "\(pending.count) migration(s) pending (\(names)): run `statushook migrate` or `statushook serve --migrate`")
                    }
                    let applied = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
                    logger.info("migrations applied", metadata: ["applied": "\(applied.map(\.name))"])
                }
                readiness.migrations(current: true, detail: "current")
                return
            } catch let error as PostgresError where error.isConnectionProblem {
                readiness.databaseLost(error.message)
                logger.warning("waiting for the database", metadata: ["error": "\(error.message)", "retry_in": "\(delay)"])
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    /// Checks the database every `interval`, forever.
    func monitor() {
        var connection: PostgresConnection?
        while true {
            Thread.sleep(forTimeInterval: Double(interval.components.seconds))
            do {
                if connection == nil || connection?.isHealthy == false {
                    connection?.close()
                    connection = try PostgresConnection.connect(conninfo)
                }
                let status = try MigrationRunner.status(EmbeddedMigrations.all, on: connection!)
                readiness.databaseReachable()
                if case .pending(let pending) = status {
                    readiness.migrations(current: false, detail: "pending: \(pending.map(\.name).joined(separator: ", "))")
                } else {
                    readiness.migrations(current: true, detail: "current")
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
}
