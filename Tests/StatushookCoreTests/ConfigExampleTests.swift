import Foundation
import Testing
@testable import StatushookCore

/// `config/statushook.conf.example`: valid, complete, and embedded byte for byte.
@Suite("Configuration example file")
struct ConfigExampleTests {
    typealias F = ConfigFixture

    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/statushook.conf.example")

    static func exampleText() throws -> String {
        try String(contentsOf: exampleURL, encoding: .utf8)
    }

    /// `# key = value`: a documented key, commented out.
    static func commentedKey(_ line: Substring) -> Substring? {
        guard line.hasPrefix("# ") else { return nil }
        let rest = line.dropFirst(2)
        guard let equals = rest.range(of: " = "), !rest[..<equals.lowerBound].contains(" ") else { return nil }
        return rest
    }

    /// `#   or: key_file = path`: the file form of the secret documented just below.
    static func alternative(_ line: Substring) -> Substring? {
        line.hasPrefix("#   or: ") ? line.dropFirst("#   or: ".count) : nil
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The example with every documented key uncommented.
    static func everyKeyUncommented() throws -> String {
        try lines(exampleText()).map { commentedKey($0) ?? $0 }.joined(separator: "\n")
    }

    @Test("the embedded example is byte for byte the file in config/")
    func embeddedMatchesFile() throws {
        #expect(Array(ExampleConfiguration.text.utf8) == Array(try Self.exampleText().utf8))
    }

    @Test("the example as shipped runs the local demo")
    func exampleAsShipped() throws {
        let configuration = try F.parse(ExampleConfiguration.text)
        var expected = Configuration(databaseURL: "postgresql:///statushook?host=/tmp")
        expected.authToken = "0123456789abcdef0123456789abcdef"
        expected.sinks = [SinkConfiguration(name: "console", kind: .log(LogSinkSettings(path: "-")))]
        #expect(configuration == expected)
    }

    @Test("the run script's STATUSHOOK_DATABASE_URL replaces the example's database")
    func exampleWithDatabaseVariable() throws {
        let configuration = try F.parse(ExampleConfiguration.text, environment: ["STATUSHOOK_DATABASE_URL": "postgres://demo@localhost:5433/demo"])
        #expect(configuration.databaseURL == "postgres://demo@localhost:5433/demo")
    }

    @Test("uncommenting every documented key yields a valid configuration")
    func everyKeyUncommented() throws {
        let text = try Self.everyKeyUncommented()
        let configuration: Configuration
        do {
            configuration = try F.parse(text)
        } catch {
            Issue.record("the uncommented example has errors:\n\(error)")
            return
        }
        #expect(configuration.publicURL == "https://hooks.example.com/statushook")
        #expect(configuration.authTokenPrevious != nil)
        #expect(configuration.accountTokens.count == 1)
        #expect(configuration.callbackUsername != nil)
        #expect(configuration.historyUsername != nil)
        #expect(configuration.retentionDays != nil)
        #expect(configuration.sinks.map(\.name) == ["console", "audit", "mail", "hooks", "slack", "teams"])
    }

    @Test("every '_file' alternative, used instead of its plain key, yields the same configuration")
    func everyFileAlternative() throws {
        let lines = Self.lines(try Self.everyKeyUncommented())
        let plain = try F.parse(lines.joined(separator: "\n"))
        var files: [String: String] = [:]
        var replaced: [Substring] = []
        var pending: Substring?
        for line in lines {
            if let alternative = Self.alternative(line) {
                pending = alternative
                replaced.append(line)
                continue
            }
            guard let fileLine = pending else {
                replaced.append(line)
                continue
            }
            pending = nil
            let fileKey = fileLine.prefix { $0 != " " }
            let key = line.prefix { $0 != " " }
            #expect(fileKey == key + "_file", "an 'or:' line must come just above its plain key")
            let path = fileLine.components(separatedBy: " = ").last ?? ""
            files[path] = line.components(separatedBy: " = ").dropFirst().joined(separator: " = ") + "\n"
            replaced.append(fileLine)
        }
        #expect(files.count == 14)
        #expect(try F.parse(replaced.joined(separator: "\n"), files: files) == plain)
    }

    @Test("the example documents every key, '_file' forms included")
    func documentsEveryKey() throws {
        var documented: Set<String> = []
        for line in Self.lines(try Self.exampleText()) {
            let keyLine = Self.alternative(line) ?? Self.commentedKey(line) ?? (line.first == "#" ? nil : line)
            guard let keyLine, let equals = keyLine.range(of: " = ") else { continue }
            documented.insert(String(keyLine[..<equals.lowerBound]))
        }
        var generic: Set<String> = []
        for key in documented {
            let parts = key.split(separator: ".")
            switch parts.first {
            case "sink": generic.insert("sink.<name>." + parts[2])
            case "account": generic.insert("account.<AccountSid>." + parts[2])
            default: generic.insert(key)
            }
        }
        var expected = Set(KeyResolver.coreWrittenForms)
        expected.formUnion(KeyResolver.accountWrittenForms.map { "account.<AccountSid>." + $0 })
        expected.formUnion(SinkField.writtenForms(for: Set(SinkType.allCases)).map { "sink.<name>." + $0 })
        #expect(expected.subtracting(generic).sorted() == [])
        #expect(generic.subtracting(expected).sorted() == [])
    }

    @Test("each sink type's every field appears on a sink of that type")
    func sinkFieldsPerType() throws {
        let configuration = try F.parse(try Self.everyKeyUncommented())
        for sink in configuration.sinks {
            switch sink.kind {
            case .smtp(let settings):
                #expect(settings.username != nil && settings.password != nil && settings.hello != nil)
                #expect(sink.statuses != nil)
            case .webhook(let settings):
                #expect(settings.secretPrevious != nil)
            case .slack(let settings), .teams(let settings):
                #expect(settings.url.secret.hasPrefix("https://"))
            case .log:
                break
            }
        }
    }

    @Test("every documented key has a comment above its group")
    func keysAreExplained() throws {
        var previous: Substring = ""
        for line in Self.lines(try Self.exampleText()) {
            let isKey = Self.commentedKey(line) != nil || (!line.hasPrefix("#") && line.contains(" = "))
            if isKey {
                #expect(!previous.isEmpty, "'\(line)' follows a blank line: explain it")
            }
            previous = line
        }
    }
}

/// `ConfigurationLoader.load`: the file system around `parse`.
@Suite("Configuration loading from disk")
struct ConfigLoaderTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("statushook-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("load reads the file and its secret files from disk")
    func loadFromDisk() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenPath = directory.appendingPathComponent("token").path
        try "disk-token\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        let configPath = directory.appendingPathComponent("statushook.conf").path
        try "database_url = dbname=statushook\nauth_token_file = \(tokenPath)\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(path: configPath, environment: ["STATUSHOOK_LOG_FORMAT": "text"])
        #expect(configuration.authToken == "disk-token")
        #expect(configuration.logFormat == .text)
    }

    @Test("a missing configuration file is one error against its path")
    func missingFile() {
        #expect(throws: ConfigurationErrors([ConfigurationError(source: "/nonexistent/statushook.conf", line: nil, message: "cannot read the file: no such file")])) {
            try ConfigurationLoader.load(path: "/nonexistent/statushook.conf", environment: [:])
        }
    }

    @Test("a secret file that is missing or a directory is named with the reason")
    func unreadableSecretFiles() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configPath = directory.appendingPathComponent("statushook.conf").path
        try """
            database_url_file = \(directory.path)
            auth_token_file = \(directory.path)/missing
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationErrors([
            ConfigurationError(source: configPath, line: 1, message: "cannot read the file '\(directory.path)' named by 'database_url_file': it is a directory"),
            ConfigurationError(source: configPath, line: 2, message: "cannot read the file '\(directory.path)/missing' named by 'auth_token_file': no such file"),
        ])) {
            try ConfigurationLoader.load(path: configPath, environment: [:])
        }
    }
}
