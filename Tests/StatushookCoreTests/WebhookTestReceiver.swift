import Foundation

/// `Tests/support/http_receiver.py` in its own process, for the webhook sink's tests (the
/// HTTPClient tests have the same helper; test targets cannot share files).
final class WebhookTestReceiver {
    struct Recorded: Decodable {
        /// The receiver's number for the TCP connection, from 1.
        var connection: Int
        var target: String
        var headers: [[String]]
        /// Base64, as the receiver writes it.
        var body: String

        var bodyBytes: [UInt8] { Data(base64Encoded: body).map { Array($0) } ?? [] }

        func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    private let process = Process()
    private let recordFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("statushook-webhook-\(UUID().uuidString).jsonl")

    init() throws {
        process.executableURL = URL(fileURLWithPath: WebhookPython.interpreter)
        process.arguments = [WebhookPython.supportFolder.appendingPathComponent("http_receiver.py").path,
                             "--record", recordFile.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "the HTTP receiver printed no READY line")
        }
        self.port = port
    }

    deinit {
        stop()
    }

    func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// SIGKILL: a child spawned from a libdispatch thread inherits its blocked signals.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: recordFile)
    }

    func recorded() throws -> [Recorded] {
        guard let data = try? Data(contentsOf: recordFile) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Recorded.self, from: Data($0)) }
    }
}

/// Python, to check signatures with code that is not ours.
enum WebhookPython {
    /// `STATUSHOOK_TEST_PYTHON` when set (scripts/test points it at its venv), else Debian's.
    static var interpreter: String {
        let configured = ProcessInfo.processInfo.environment["STATUSHOOK_TEST_PYTHON"] ?? ""
        return configured.isEmpty ? "/usr/bin/python3" : configured
    }

    static let supportFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("support")

    /// Whether the interpreter has the official `standardwebhooks` package.
    static let hasStandardWebhooks: Bool = (try? run(["-c", "import standardwebhooks"], input: Data()).status) == 0

    /// Runs the interpreter with `arguments`, `input` on its standard input.
    static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Verifies a recorded request with `Tests/support/verify_standard_webhooks.py`; its output.
    static func verify(_ request: WebhookTestReceiver.Recorded, secrets: [String], library: Bool) throws -> String {
        let input: [String: Any] = [
            "secrets": secrets,
            "headers": Dictionary(request.headers.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first }),
            "body": request.body,
        ]
        let script = supportFolder.appendingPathComponent("verify_standard_webhooks.py").path
        let result = try run([script] + (library ? ["--library"] : []),
                             input: try JSONSerialization.data(withJSONObject: input))
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
