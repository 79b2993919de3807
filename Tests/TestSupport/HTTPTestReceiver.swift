import Foundation

/// A running `Tests/support/http_receiver.py`: a real HTTP(S) server in its own process, stopped
/// by `stop()`. Shared by the HTTPClient tests and the webhook sink's tests.
public final class HTTPTestReceiver {
    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One request as the receiver recorded it, before answering.
    public struct Recorded: Decodable, Sendable {
        public var request: Int
        /// The receiver's number for the TCP connection, from 1.
        public var connection: Int
        public var method: String
        public var target: String
        public var headers: [[String]]
        /// Base64, as the receiver writes it.
        public var body: String

        public var bodyBytes: [UInt8] {
            Data(base64Encoded: body).map { Array($0) } ?? []
        }

        public func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    public let port: Int
    private let process = Process()
    private let recordFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("statushook-receiver-\(UUID().uuidString).jsonl")

    /// Starts a receiver; with `tls`, it serves https with that certificate and key.
    public init(tls: (certificate: String, key: String)? = nil) throws {
        process.executableURL = URL(fileURLWithPath: TestPython.interpreter)
        var arguments = [TestPython.supportFolder.appendingPathComponent("http_receiver.py").path, "--record", recordFile.path]
        if let tls {
            arguments += ["--cert", tls.certificate, "--key", tls.key]
        }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // The first line of its output is `READY <port>`.
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
            throw StartFailure(description: "\(TestPython.interpreter) http_receiver.py printed no READY line")
        }
        self.port = port
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:<port>` + `path`.
    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// Kills the process and waits for it; safe to call twice.
    ///
    /// SIGKILL, not SIGTERM: spawned from a libdispatch thread, the child inherits that thread's
    /// blocked signals, and a receiver has nothing to clean up.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: recordFile)
    }

    /// Every request recorded so far, in order.
    public func recorded() throws -> [Recorded] {
        guard let data = try? Data(contentsOf: recordFile) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map {
            try JSONDecoder().decode(Recorded.self, from: Data($0))
        }
    }
}

/// The Python the tests run their peers and checkers with.
public enum TestPython {
    /// `STATUSHOOK_TEST_PYTHON` when set (scripts/test points it at its venv), else Debian's.
    public static var interpreter: String {
        let configured = ProcessInfo.processInfo.environment["STATUSHOOK_TEST_PYTHON"] ?? ""
        return configured.isEmpty ? "/usr/bin/python3" : configured
    }

    /// `Tests/support`, where the Python peers live.
    public static let supportFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("support")

    /// Runs the interpreter with `arguments`, `input` on its standard input; its exit status and
    /// its output (standard output and error together).
    public static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: String) {
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
}
