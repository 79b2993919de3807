/// Where a database stands against this binary's migrations.
public enum MigrationStatus: Sendable, Equatable {
    case current
    /// Not yet applied, oldest first.
    case pending([Migration])
    /// Every migration of this binary is applied, and so are later ones that a newer statushook
    /// applied (during a rolling upgrade): their display names, oldest first. Migrations only
    /// add, so this binary keeps working.
    case ahead([String])
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

    /// Where `applied` stands against `known`.
    ///
    /// Throws when the database recorded a version this binary lacks that is not newer than all
    /// of this binary's (another build's migration in between), when it recorded newer versions
    /// while some of this binary's are missing (checked first: they explain any other difference),
    /// or an applied migration whose SQL changed since. A renamed file with the same SQL is fine:
    /// the checksum is what identifies the content.
    static func status(known: [Migration], applied: [AppliedMigration]) throws(MigrationError) -> MigrationStatus {
        let knownByVersion = Dictionary(known.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let newestKnown = known.map(\.version).max() ?? 0
        let sorted = applied.sorted { $0.version < $1.version }
        let unknown = sorted.filter { knownByVersion[$0.version] == nil }
        if let between = unknown.first(where: { $0.version < newestKnown }) {
            throw MigrationError.unknownAppliedVersion(version: between.version, name: between.name)
        }
        let appliedVersions = Set(applied.map(\.version))
        let pending = known.filter { !appliedVersions.contains($0.version) }
        if let newer = unknown.first, !pending.isEmpty {
            throw MigrationError.unknownAppliedVersion(version: newer.version, name: newer.name)
        }
        for record in sorted {
            guard let migration = knownByVersion[record.version] else { continue }
            guard migration.checksum == record.checksum else {
                throw MigrationError.checksumMismatch(
                    version: migration.version, name: migration.name,
                    recorded: record.checksum, embedded: migration.checksum)
            }
        }
        if !pending.isEmpty { return .pending(pending) }
        if !unknown.isEmpty { return .ahead(unknown.map { Migration.displayName(version: $0.version, name: $0.name) }) }
        return .current
    }

    /// The migrations of `known` missing from `applied`, oldest first (none when the database is
    /// ahead of this binary); throws as ``status(known:applied:)`` does.
    static func pending(known: [Migration], applied: [AppliedMigration]) throws(MigrationError) -> [Migration] {
        if case .pending(let pending) = try status(known: known, applied: applied) { return pending }
        return []
    }
}
