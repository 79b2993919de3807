import Foundation
import HTTPClient

/// A running `Tests/support/http_receiver.py`: a real HTTP(S) server in its own process, stopped
/// by `stop()`.
final class TestReceiver {
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// One request as the receiver recorded it, before answering.
    struct Recorded: Decodable {
        var request: Int
        var connection: Int
        var method: String
        var target: String
        var headers: [[String]]
        /// Base64, as the receiver writes it.
        var body: String

        var bodyBytes: [UInt8] {
            Data(base64Encoded: body).map { Array($0) } ?? []
        }

        func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    let port: Int
    private let process: Process
    private let recordFile: URL

    /// The interpreter: `STATUSHOOK_TEST_PYTHON` when set (scripts/test points it at its venv),
    /// else Debian's.
    static var python: String {
        let configured = ProcessInfo.processInfo.environment["STATUSHOOK_TEST_PYTHON"] ?? ""
        return configured.isEmpty ? "/usr/bin/python3" : configured
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("support/http_receiver.py")

    /// Starts a receiver; with `tls`, it serves https with that certificate and key.
    init(tls: (certificate: String, key: String)? = nil) throws {
        recordFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("statushook-receiver-\(UUID().uuidString).jsonl")
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        var arguments = [Self.script.path, "--record", recordFile.path]
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
        guard let text = String(data: line, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw StartFailure(description: "\(Self.python) \(Self.script.path) printed no READY line")
        }
        self.port = port
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:<port>` + `path`.
    func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// Kills the process and waits for it; safe to call twice.
    ///
    /// SIGKILL, not SIGTERM: spawned from a libdispatch thread, the child inherits that thread's
    /// blocked signals, and a receiver has nothing to clean up.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: recordFile)
    }

    /// Every request recorded so far, in order.
    func recorded() throws -> [Recorded] {
        guard let data = try? Data(contentsOf: recordFile) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map {
            try JSONDecoder().decode(Recorded.self, from: Data($0))
        }
    }
}

/// Runs blocking `body` on a thread of its own, off Swift's cooperative pool, as the client's
/// users do.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

extension HTTPClient {
    /// `post` with its typed error kept, for tests that expect a failure.
    func attempt(url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(5))
        -> Result<HTTPClientResponse, HTTPClientError> {
        Result { () throws(HTTPClientError) in try post(url: url, headers: headers, body: body, timeout: timeout) }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
