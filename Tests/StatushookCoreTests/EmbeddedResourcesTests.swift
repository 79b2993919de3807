import Foundation
import StatushookCore
import Testing

@Suite("Embedded resources")
struct EmbeddedResourcesTests {
    /// The repository's root, three levels above this file (Tests/StatushookCoreTests/…).
    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let advice = "the migrations compiled into statushook differ from migrations/: run scripts/embed-resources"

    @Test("the embedded migrations are migrations/*.sql byte for byte, with the same names and order")
    func migrationsMatchDisk() throws {
        let folder = Self.repositoryRoot.appendingPathComponent("migrations")
        let fileNames = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
        let onDisk = try fileNames.map { fileName in
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(fileName)))
            return (fileName: fileName, bytes: bytes, migration: try Migration(fileName: fileName, sql: String(decoding: bytes, as: UTF8.self)))
        }.sorted { $0.migration.version < $1.migration.version }

        let embedded = EmbeddedMigrations.all
        #expect(embedded.map { $0.displayName + ".sql" } == onDisk.map(\.fileName), "\(Self.advice)")
        for (file, migration) in zip(onDisk, embedded) {
            #expect(migration.version == file.migration.version, "\(file.fileName): \(Self.advice)")
            #expect(migration.name == file.migration.name, "\(file.fileName): \(Self.advice)")
            #expect(Array(migration.sql.utf8) == file.bytes, "\(file.fileName): \(Self.advice)")
            #expect(migration.checksum == file.migration.checksum, "\(file.fileName): \(Self.advice)")
        }
    }

    @Test("the first embedded migration is 0001_initial and the versions are in order")
    func ordered() throws {
        #expect(EmbeddedMigrations.all.first?.displayName == "0001_initial")
        let versions = EmbeddedMigrations.all.map(\.version)
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
    }
}
