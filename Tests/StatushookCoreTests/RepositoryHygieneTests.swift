import Foundation
import Testing

/// References in the repository point at its own documents (`docs/contract.md §n`,
/// `docs/performance.md`), never at a product page or an issue tracker a reader does not have.
@Suite("Repository hygiene")
struct RepositoryHygieneTests {
    /// The folders whose files are read; `migrations/` is not among them: an applied migration is
    /// history, embedded and checksummed, so its comments stay as they were written.
    static let folders = ["Sources", "Tests", "scripts", "bench", "config", ".ci"]

    /// Paths left out, relative to the repository root, each with why.
    static let skipped: Set<String> = [
        // libFuzzer seeds: inputs, not prose.
        "Tests/Fuzz/corpus",
        // The migrations' text, embedded verbatim (generated from migrations/, see above).
        "Sources/StatushookCore/Generated/EmbeddedMigrations.swift",
        // This file names what it looks for.
        "Tests/StatushookCoreTests/RepositoryHygieneTests.swift",
    ]

    @Test("no file names the product page's sections or an issue number")
    func noOutsideReferences() throws {
        let root = SignatureFixtures.repositoryRoot
        let issue = try Regex("[Ii]ssue [0-9]+")
        var findings: [String] = []
        for path in Self.files(under: root) {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("PRODUCT §") || line.contains(issue) {
                findings.append("\(path):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(findings.isEmpty, "point these at docs/contract.md or docs/performance.md instead:\n\(findings.joined(separator: "\n"))")
    }

    @Test("the walk reaches the sources and the tests")
    func walkFindsFiles() {
        let files = Self.files(under: SignatureFixtures.repositoryRoot)
        #expect(files.contains("Sources/StatushookCore/Ingest/IngestWriter.swift"))
        #expect(files.contains("Tests/integration/conftest.py"))
        #expect(files.contains("bench/run"))
        #expect(!files.contains { $0.hasPrefix("Tests/Fuzz/corpus/") || $0.hasPrefix("migrations/") })
    }

    /// Every regular file in `folders`, as a path from `root`, sorted; hidden entries, Python's
    /// byte-code caches (stale copies of old docstrings) and `skipped` left out.
    static func files(under root: URL) -> [String] {
        var paths: [String] = []
        for folder in folders {
            let base = root.appendingPathComponent(folder)
            guard let walk = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            else { continue }
            for case let url as URL in walk {
                let path = folder + "/" + url.path.dropFirst(base.path.count + 1)
                if skipped.contains(path) || url.lastPathComponent == "__pycache__" {
                    walk.skipDescendants()
                    continue
                }
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                    paths.append(path)
                }
            }
        }
        return paths.sorted()
    }
}
