import Foundation
import Testing

/// PostgreSQL's text formats (`t`/`f`, `{…}` array literals) are PostgresClient's business: the
/// domain encodes parameters with `postgresText` and reads rows with `decode`.
@Suite("PostgreSQL's text formats stay in Sources/PostgresClient")
struct PostgresFormatsStayInPostgresClientTests {
    /// What writing or reading one of those formats by hand looks like.
    static var patterns: [(name: String, regex: Regex<Substring>)] { [
        ("a boolean compared with its text form", try! Regex(#"==\s*"[tf]""#)),
        ("a boolean written as text", try! Regex(#"\?\s*"(?:t|true)"\s*:\s*"(?:f|false)""#)),
        ("an array literal built by hand", try! Regex(#""\{"\s*\+.*joined\(separator:\s*","\)\s*\+\s*"\}""#)),
        ("an array's NULL element written by hand", try! Regex(#""NULL""#)),
    ] }

    /// Files that write other formats with the same characters: JSON (`true`/`false`, `{…}`).
    static let allowed: [String: Set<String>] = [
        "Sources/StatushookCore/Callback/CallbackJSON.swift": ["a boolean written as text", "an array literal built by hand"],
        "Sources/StatushookCore/Support/JSONValue.swift": ["a boolean written as text"],
    ]

    @Test("no source file outside Sources/PostgresClient writes or reads PostgreSQL's boolean or array text")
    func noLiterals() throws {
        let root = SignatureFixtures.repositoryRoot
        let sources = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
        var checked = 0
        for file in files {
            let path = String(file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            guard !path.hasPrefix("Sources/PostgresClient/") else { continue }
            checked += 1
            let lines = String(decoding: try SignatureFixtures.contents(of: file), as: UTF8.self).split(separator: "\n")
            for (number, line) in lines.enumerated() {
                for pattern in Self.patterns where !(Self.allowed[path]?.contains(pattern.name) ?? false) {
                    #expect(line.firstMatch(of: pattern.regex) == nil, "\(path):\(number + 1): \(pattern.name): \(line)")
                }
            }
        }
        #expect(checked > 100, "only \(checked) source files found under \(sources.path)")
    }

    @Test("the patterns catch what they are for")
    func patternsBite() {
        let samples = [
            #"let paused = row["paused"] == "t""#, #"flag ? "t" : "f""#, #"known ? "true" : "false""#,
            #""{" + ids.map(String.init).joined(separator: ",") + "}""#, #"literal.append("NULL")"#,
        ]
        for sample in samples {
            #expect(Self.patterns.contains { sample.firstMatch(of: $0.regex) != nil }, "\(sample)")
        }
        #expect(!Self.patterns.contains { #"try row.decode("paused", as: Bool.self)"#.firstMatch(of: $0.regex) != nil })
    }
}
