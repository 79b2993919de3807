import PostgresClient

/// Checks and applies migrations on one connection; what to apply is ``MigrationPlan``'s decision.
///
/// `schema_migrations` records each applied migration with its checksum. Each migration runs
/// in a transaction of its own, together with its record, so a failure leaves the database at
/// the previous version. Connection problems reach the caller as `PostgresError`; every other
/// failure is a ``MigrationError``.
public enum MigrationRunner {
    /// The key of the session-level advisory lock that lets one process at a time apply
    /// migrations: the ASCII bytes of "statushk" read as a big-endian 64-bit integer.
    public static let advisoryLockKey: Int64 = 0x7374_6174_7573_686B

    /// Compares the database with `migrations` without changing anything (no lock, no table).
    public static func status(_ migrations: [Migration], on connection: PostgresConnection) throws -> MigrationStatus {
        try MigrationPlan.validate(migrations)
        return try MigrationPlan.status(known: migrations, applied: appliedMigrations(on: connection))
    }

    /// Applies the pending migrations in order and returns them (empty when none was pending).
    ///
    /// Holds the advisory lock ``advisoryLockKey`` meanwhile, waiting for it as long as another
    /// process holds it, so that of two processes migrating at once the second finds nothing
    /// pending. Creates `schema_migrations` on first use.
    public static func apply(_ migrations: [Migration], on connection: PostgresConnection) throws -> [Migration] {
        try MigrationPlan.validate(migrations)
        guard !connection.isInTransaction else { throw MigrationError.connectionInTransaction }
        let key = String(advisoryLockKey)
        _ = try connection.query("SELECT pg_advisory_lock($1::bigint)", [key])
        // A lost connection releases the lock with the session.
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1::bigint)", [key]) }

        if try !tableExists(on: connection) {
            try connection.execute("""
                CREATE TABLE schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        let pending = try MigrationPlan.pending(known: migrations, applied: appliedMigrations(on: connection))
        for migration in pending {
            try applyOne(migration, on: connection)
        }
        return pending
    }

    private static func applyOne(_ migration: Migration, on connection: PostgresConnection) throws {
        do {
            try connection.execute("BEGIN")
            try connection.execute(migration.sql)
            guard connection.isInTransaction else {
                throw MigrationError.endedOwnTransaction(version: migration.version, name: migration.name)
            }
            _ = try connection.query(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                [String(migration.version), migration.name, migration.checksum])
            try connection.execute("COMMIT")
        } catch let error as PostgresError {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            if error.isConnectionProblem { throw error }
            throw MigrationError.migrationFailed(version: migration.version, name: migration.name, error: error)
        }
    }

    private static func tableExists(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").single("present", as: Bool.self)
    }

    private static func appliedMigrations(on connection: PostgresConnection) throws -> [AppliedMigration] {
        guard try tableExists(on: connection) else { return [] }
        return try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            .map { row in
                AppliedMigration(version: try row.decode("version", as: Int.self), name: try row.decode("name", as: String.self),
                                 checksum: try row.decode("checksum", as: String.self))
            }
    }
}
