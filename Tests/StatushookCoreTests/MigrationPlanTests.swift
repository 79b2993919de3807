import Hashing
@testable import StatushookCore
import Testing

@Suite("Migration plan (no database)")
struct MigrationPlanTests {
    private let first = Migration(version: 1, name: "initial", sql: "CREATE TABLE a (id int);\n")
    private let second = Migration(version: 2, name: "add-b", sql: "CREATE TABLE b (id int);\n")

    private func applied(_ migration: Migration, checksum: String? = nil) -> AppliedMigration {
        AppliedMigration(version: migration.version, name: migration.name, checksum: checksum ?? migration.checksum)
    }

    @Test("a file name gives the version and name: 0001_initial.sql is version 1, initial")
    func fileNames() throws {
        let migration = try Migration(fileName: "0001_initial.sql", sql: "SELECT 1;")
        #expect(migration.version == 1)
        #expect(migration.name == "initial")
        #expect(migration.displayName == "0001_initial")
        #expect(try Migration(fileName: "12_add-index_2.sql", sql: "").version == 12)
        #expect(try Migration(fileName: "12_add-index_2.sql", sql: "").displayName == "0012_add-index_2")
    }

    @Test("file names without a positive number, a name or .sql are refused",
          arguments: ["initial.sql", "0000_zero.sql", "0001_.sql", "0001_a b.sql", "0001_x.SQL", "x1_a.sql", "0001-a.sql", "0001_é.sql"])
    func badFileNames(fileName: String) {
        #expect(throws: MigrationError.self) { try Migration(fileName: fileName, sql: "") }
    }

    @Test("the checksum is the SHA-256 hex of the SQL's UTF-8 bytes")
    func checksum() {
        let sql = "SELECT 'é';\n"
        #expect(Migration(version: 1, name: "x", sql: sql).checksum == Digest.sha256Hex(Array(sql.utf8)))
    }

    @Test("with nothing applied every migration is pending, in order")
    func nothingApplied() throws {
        #expect(try MigrationPlan.pending(known: [first, second], applied: []) == [first, second])
    }

    @Test("applied migrations are not pending; with all applied nothing is")
    func someApplied() throws {
        #expect(try MigrationPlan.pending(known: [first, second], applied: [applied(first)]) == [second])
        #expect(try MigrationPlan.pending(known: [first, second], applied: [applied(second), applied(first)]).isEmpty)
    }

    @Test("an applied migration whose SQL changed is a checksum mismatch that names it")
    func checksumMismatch() throws {
        let error = try #require(throws: MigrationError.self) {
            _ = try MigrationPlan.pending(known: [first, second], applied: [applied(first, checksum: "abc")])
        }
        guard case let .checksumMismatch(version, name, recorded, embedded) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(version == 1 && name == "initial" && recorded == "abc" && embedded == first.checksum)
        #expect(error.description.contains("0001_initial was changed after it was applied"))
    }

    @Test("a renamed migration with the same SQL is still the applied one")
    func renamed() throws {
        let record = AppliedMigration(version: 1, name: "old-name", checksum: first.checksum)
        #expect(try MigrationPlan.pending(known: [first], applied: [record]).isEmpty)
    }

    @Test("versions newer than all of this binary's, with all of its own applied, are a rolling upgrade: ahead")
    func newerApplied() throws {
        let third = Migration(version: 3, name: "add-c", sql: "CREATE TABLE c (id int);\n")
        let status = try MigrationPlan.status(known: [first], applied: [applied(first), applied(third), applied(second)])
        #expect(status == .ahead(["0002_add-b", "0003_add-c"]))
        #expect(try MigrationPlan.pending(known: [first], applied: [applied(first), applied(second)]).isEmpty)
        #expect(try MigrationPlan.status(known: [first, second], applied: [applied(first), applied(second)]) == .current)
    }

    @Test("an unknown version between this binary's own, or newer ones while its own are missing, is another build's")
    func unknownApplied() throws {
        let third = Migration(version: 3, name: "add-c", sql: "CREATE TABLE c (id int);\n")
        let other = Migration(version: 2, name: "other", sql: "CREATE TABLE o (id int);\n")
        for (known, records, version, name) in [
            ([first, third], [applied(first), applied(other), applied(third)], 2, "other"),
            ([first, second], [applied(first), applied(third)], 3, "add-c"),
        ] {
            let error = try #require(throws: MigrationError.self) {
                _ = try MigrationPlan.status(known: known, applied: records)
            }
            guard case let .unknownAppliedVersion(v, n) = error else {
                Issue.record("unexpected \(error)")
                continue
            }
            #expect(v == version && n == name)
            #expect(error.description.contains("another build of statushook migrated this database"))
            #expect(error.description.contains(Migration.displayName(version: version, name: name)))
        }
    }

    @Test("a changed applied migration is refused even when the database is ahead")
    func changedWhileAhead() throws {
        let error = try #require(throws: MigrationError.self) {
            _ = try MigrationPlan.status(known: [first], applied: [applied(first, checksum: "changed"), applied(second)])
        }
        guard case .checksumMismatch(1, "initial", "changed", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test("duplicate, unordered or non-positive versions are refused")
    func validation() {
        #expect(throws: MigrationError.self) { try MigrationPlan.validate([first, first]) }
        #expect(throws: MigrationError.self) { try MigrationPlan.validate([second, first]) }
        #expect(throws: MigrationError.self) { try MigrationPlan.validate([Migration(version: 0, name: "z", sql: "")]) }
        #expect(throws: Never.self) { try MigrationPlan.validate([first, second]) }
        #expect(throws: Never.self) { try MigrationPlan.validate(EmbeddedMigrations.all) }
    }
}
