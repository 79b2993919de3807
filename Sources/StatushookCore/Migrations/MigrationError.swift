import PostgresClient

/// Why migrations cannot be checked or applied.
///
/// Connection problems are not wrapped: they reach the caller as the `PostgresError` itself, so
/// that one `catch … where error.isConnectionProblem` covers waiting for the database.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// An applied migration whose SQL differs from this binary's copy.
    case checksumMismatch(version: Int, name: String, recorded: String, embedded: String)
    /// The database recorded a migration this binary does not have, where a newer statushook's
    /// cannot be: between this binary's versions, or while some of this binary's are missing.
    case unknownAppliedVersion(version: Int, name: String)
    /// The list handed to the runner is not usable (duplicate or unordered versions, a bad name).
    case invalidMigrations(String)
    /// A migration's SQL failed; its transaction was rolled back.
    case migrationFailed(version: Int, name: String, error: PostgresError)
    /// The connection was inside a transaction; migrations need their own.
    case connectionInTransaction
    /// A migration's SQL committed or rolled back the runner's transaction.
    case endedOwnTransaction(version: Int, name: String)

    public var description: String {
        switch self {
        case let .checksumMismatch(version, name, recorded, embedded):
            return "migration \(Migration.displayName(version: version, name: name)) was changed after it was applied "
                + "(the database recorded checksum \(recorded), this binary has \(embedded)): "
                + "restore the file as it was and put the change in a new migration"
        case let .unknownAppliedVersion(version, name):
            return "the database has migration \(Migration.displayName(version: version, name: name)) applied, which this "
                + "binary does not know and that is not a later release's (it lies before this binary's newest, or some of "
                + "this binary's migrations are missing): another build of statushook migrated this database; run that build"
        case let .invalidMigrations(reason):
            return "invalid migrations: \(reason)"
        case let .migrationFailed(version, name, error):
            return "migration \(Migration.displayName(version: version, name: name)) failed and was rolled back: \(error)"
        case .connectionInTransaction:
            return "migrations need a connection outside any transaction"
        case let .endedOwnTransaction(version, name):
            return "migration \(Migration.displayName(version: version, name: name)) ended its transaction itself "
                + "(COMMIT or ROLLBACK in the file), so it may be partly applied and is not recorded: "
                + "a migration must leave transaction control to the runner"
        }
    }
}
