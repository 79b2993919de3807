/// Where a database stands against this binary's migrations.
public enum MigrationStatus: Sendable, Equatable {
    case current
    /// Not yet applied, oldest first.
    case pending([Migration])
}

/// A row of `schema_migrations`: a migration as it was when applied.
struct AppliedMigration: Sendable, Equatable {
    var version: Int
    var name: String
    var checksum: String
}

/// Which migrations to apply, decided from what the database recorded; no I/O.
enum MigrationPlan {
    /// Versions positive and strictly increasing, as `migrations/` numbers them.
    static func validate(_ migrations: [Migration]) throws(MigrationError) {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous else {
                throw MigrationError.invalidMigrations(
                    "\(migration.displayName) follows version \(previous): versions must be positive, unique and in order")
            }
            previous = migration.version
        }
    }

    /// The migrations of `known` missing from `applied`, oldest first.
    ///
    /// Throws when the database recorded a version this binary lacks (checked first: it explains
    /// any other difference) or an applied migration whose SQL changed since. A renamed file with
    /// the same SQL is fine: the checksum is what identifies the content.
    static func pending(known: [Migration], applied: [AppliedMigration]) throws(MigrationError) -> [Migration] {
        let knownByVersion = Dictionary(known.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let sorted = applied.sorted { $0.version < $1.version }
        for record in sorted where knownByVersion[record.version] == nil {
            throw MigrationError.unknownAppliedVersion(version: record.version, name: record.name)
        }
        for record in sorted {
            let migration = knownByVersion[record.version]!
            guard migration.checksum == record.checksum else {
                throw MigrationError.checksumMismatch(
                    version: migration.version, name: migration.name,
                    recorded: record.checksum, embedded: migration.checksum)
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        return known.filter { !appliedVersions.contains($0.version) }
    }
}
