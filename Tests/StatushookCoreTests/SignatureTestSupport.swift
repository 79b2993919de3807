import Foundation
import Testing

/// Files the signature and callback tests read from the repository and its shared folder.
enum SignatureFixtures {
    /// The repository root, found from this file's path (symlinks resolved).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // StatushookCoreTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }

    /// The bytes of a file, or a test failure that says where it was looked for.
    static func contents(of url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
        try #require(
            FileManager.default.contents(atPath: url.path),
            "missing \(url.standardizedFileURL.path): the signature tests need it",
            sourceLocation: sourceLocation
        )
    }

    /// `../shared/twilio-signature-vectors.json`, next to the repository.
    static func vectors() throws -> SignatureVectorFile {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/twilio-signature-vectors.json")
        return try JSONDecoder().decode(SignatureVectorFile.self, from: contents(of: url))
    }
}

/// The shape of `twilio-signature-vectors.json`.
struct SignatureVectorFile: Decodable {
    struct Vector: Decodable {
        var name: String
        var auth_token: String
        var url: String
        var params: [[String]]
        var expected: String?
        var must_not_equal: String?
    }

    var about: String
    var body_json: String
    var body_sha256: String
    var empty_body_sha256: String
    var vectors: [Vector]
    var negative: [Vector]
}
