import Foundation
import Testing

/// Files the signature and callback tests read from the repository.
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

    /// `Tests/Fixtures/twilio-signature-vectors.json`: vectors from the test suites of Twilio's helper libraries.
    static func vectors() throws -> SignatureVectorFile {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/twilio-signature-vectors.json")
        return try JSONDecoder().decode(SignatureVectorFile.self, from: contents(of: url))
    }
}

/// The shape of `twilio-signature-vectors.json`.
struct SignatureVectorFile: Decodable {
    struct Vector: Decodable {
        var name: String
        var authToken: String
        var url: String
        /// Decoded POST parameters in body order, each `[name, value]`; a repeated name repeats.
        var params: [[String]]
        /// The signature of `url` with `params` (the vectors that must verify).
        var expected: String?
        /// A signature that must not come out (the negative vectors).
        var mustNotEqual: String?

        enum CodingKeys: String, CodingKey {
            case name, url, params, expected
            case authToken = "auth_token"
            case mustNotEqual = "must_not_equal"
        }
    }

    var about: String
    /// The JSON body whose SHA-256 is `bodySHA256`.
    var bodyJSON: String
    var bodySHA256: String
    /// SHA-256 of the body `{}`.
    var emptyBodySHA256: String
    var vectors: [Vector]
    var negative: [Vector]

    enum CodingKeys: String, CodingKey {
        case about, vectors, negative
        case bodyJSON = "body_json"
        case bodySHA256 = "body_sha256"
        case emptyBodySHA256 = "empty_body_sha256"
    }
}
