import PostgresClient
@testable import StatushookCore
import Testing

@Suite("MigrationRunner against a real server")
struct MigrationRunnerTests {
    private func appliedRows(_ connection: PostgresConnection) throws -> [[String?]] {
        try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version").rows
    }

    @Test("0001 applies to an empty database and is recorded with its checksum")
    func applyToEmpty() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            let applied = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            #expect(applied == EmbeddedMigrations.all)
            let first = try #require(EmbeddedMigrations.all.first)
            #expect(try appliedRows(connection).first == ["1", "initial", first.checksum])
            let tables = try connection.query("""
                SELECT count(*) AS n FROM pg_tables
                 WHERE tablename IN ('profiles', 'callbacks', 'transitions', 'deliveries', 'expected_transitions')
                """)
            #expect(tables[0, "n"] == "5")
        }
    }

    @Test("a second apply is a no-op")
    func secondApply() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            #expect(try MigrationRunner.apply(EmbeddedMigrations.all, on: connection).isEmpty)
            #expect(try appliedRows(connection).count == EmbeddedMigrations.all.count)
        }
    }

    @Test("status is pending on an empty database, without creating anything, and current after apply")
    func status() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            #expect(try MigrationRunner.status(EmbeddedMigrations.all, on: connection) == .pending(EmbeddedMigrations.all))
            #expect(try connection.query("SELECT to_regclass('schema_migrations') AS t")[0, "t"] == nil)
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            #expect(try MigrationRunner.status(EmbeddedMigrations.all, on: connection) == .current)
            let next = Migration(version: 1000, name: "next", sql: "CREATE TABLE next_one (id int);")
            #expect(try MigrationRunner.status(EmbeddedMigrations.all + [next], on: connection) == .pending([next]))
            #expect(try MigrationRunner.apply(EmbeddedMigrations.all + [next], on: connection) == [next])
            #expect(try MigrationRunner.status(EmbeddedMigrations.all + [next], on: connection) == .current)
        }
    }

    @Test("a tampered checksum of an applied migration stops both status and apply, naming the migration")
    func tampered() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            _ = try connection.query("UPDATE schema_migrations SET checksum = $1 WHERE version = 1", ["tampered"])
            for attempt in [{ _ = try MigrationRunner.status(EmbeddedMigrations.all, on: connection) },
                            { _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection) }] {
                let error = try #require(throws: MigrationError.self) { try attempt() }
                guard case .checksumMismatch(1, "initial", "tampered", _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(error.description.contains("0001_initial"))
            }
            // The lock was released even though apply threw.
            let other = try database.connect()
            #expect(try other.query("SELECT pg_try_advisory_lock($1::bigint) AS got", [String(MigrationRunner.advisoryLockKey)])[0, "got"] == "t")
        }
    }

    @Test("a version applied by a newer binary is reported as ahead, and migrate applies nothing")
    func newerBinary() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            _ = try connection.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
            #expect(try MigrationRunner.status(EmbeddedMigrations.all, on: connection) == .ahead(["9999_future"]))
            #expect(try MigrationRunner.apply(EmbeddedMigrations.all, on: connection).isEmpty)
            _ = try connection.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (0, 'older', 'x')")
            let error = try #require(throws: MigrationError.self) {
                _ = try MigrationRunner.status(EmbeddedMigrations.all, on: connection)
            }
            guard case .unknownAppliedVersion(0, "older") = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test("two processes applying at once apply each migration exactly once")
    func concurrentApply() throws {
        // A slow second migration widens the window; it would fail if it ran twice.
        let slow = Migration(version: 1000, name: "slow", sql: "CREATE TABLE slow_probe (id int); SELECT pg_sleep(0.3);")
        let migrations = EmbeddedMigrations.all + [slow]
        try MigrationTestDatabase.with { database in
            let outcomes: [Result<[Int], any Error>] = migrationTestsOnThreads([
                { Result { try MigrationRunner.apply(migrations, on: database.connect()).map(\.version) } },
                { Result { try MigrationRunner.apply(migrations, on: database.connect()).map(\.version) } },
            ])
            let applied = try outcomes.map { try $0.get() }
            #expect(applied.flatMap { $0 }.sorted() == migrations.map(\.version))
            #expect(applied.contains([]))
            #expect(try appliedRows(database.connect()).map { $0[0] } == migrations.map { String($0.version) })
        }
    }

    @Test("a failing migration is rolled back, named, and leaves the earlier ones applied")
    func failingMigration() throws {
        let broken = Migration(version: 1000, name: "broken", sql: "CREATE TABLE half_done (id int);\nSELEC 1;")
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            let error = try #require(throws: MigrationError.self) {
                _ = try MigrationRunner.apply(EmbeddedMigrations.all + [broken], on: connection)
            }
            guard case .migrationFailed(1000, "broken", let underlying) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(underlying.sqlState == "42601")
            #expect(error.description.contains("1000_broken"))
            #expect(try appliedRows(connection).map { $0[0] } == EmbeddedMigrations.all.map { String($0.version) })
            #expect(try connection.query("SELECT to_regclass('half_done') AS t")[0, "t"] == nil)
            #expect(!connection.isInTransaction)
        }
    }

    @Test("a migration that commits by itself is refused and not recorded")
    func ownCommit() throws {
        let committing = Migration(version: 1000, name: "commits", sql: "CREATE TABLE committed_early (id int); COMMIT;")
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            let error = try #require(throws: MigrationError.self) {
                _ = try MigrationRunner.apply(EmbeddedMigrations.all + [committing], on: connection)
            }
            guard case .endedOwnTransaction(1000, "commits") = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(try appliedRows(connection).map { $0[0] } == EmbeddedMigrations.all.map { String($0.version) })
        }
    }

    @Test("apply refuses a connection that is inside a transaction")
    func insideTransaction() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            try connection.execute("BEGIN")
            #expect(throws: MigrationError.self) {
                _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            }
        }
    }

    @Test("a lost connection reaches the caller as a PostgresError connection problem")
    func connectionLost() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            let admin = try database.connect()
            _ = try admin.query("SELECT pg_terminate_backend($1::int, 5000)", [String(connection.backendPID)])
            let error = try #require(throws: PostgresError.self) {
                _ = try MigrationRunner.status(EmbeddedMigrations.all, on: connection)
            }
            #expect(error.isConnectionProblem)
        }
    }
}
