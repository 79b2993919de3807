import Foundation
import Testing

@testable import SMTPClient

/// `Tests/support/smtp_server.py` (aiosmtpd) running as a subprocess on a free port, with its
/// own output folder. Stopped by `stop()`; tests use `TestSMTPServer.with(...)`.
final class TestSMTPServer {
    let port: Int
    let outputDirectory: URL
    private let process: Process
    private let lifeline = Pipe()

    /// The interpreter of the venv that scripts/test prepares; missing means the tests were
    /// not started by scripts/test, which is a failure (never a skip).
    static func python() throws -> String {
        guard let python = ProcessInfo.processInfo.environment["STATUSHOOK_TEST_PYTHON"], !python.isEmpty else {
            throw TestSetupError("STATUSHOOK_TEST_PYTHON is not set: run the tests with scripts/test, which "
                + "points it at a venv with aiosmtpd (Tests/integration/requirements.txt)")
        }
        return python
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("support/smtp_server.py").path
    }

    /// Starts a server with `arguments` (see the script's --help), runs `body`, stops it.
    static func with<T>(_ arguments: [String], _ body: (TestSMTPServer) throws -> T) throws -> T {
        let server = try TestSMTPServer(arguments)
        defer { server.stop() }
        return try body(server)
    }

    init(_ arguments: [String]) throws {
        outputDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("smtp-server-\(UUID().uuidString)")
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.python())
        process.arguments = ["-u", Self.script, "--outdir", outputDirectory.path, "--exit-with-stdin"] + arguments
        let output = Pipe()
        process.standardOutput = output
        // Held open while we live: if the test process dies, the server sees EOF and exits.
        process.standardInput = lifeline
        try process.run()
        let line = Self.readLine(output.fileHandleForReading.fileDescriptor, within: 15)
        guard let line, line.hasPrefix("READY "), let port = Int(line.dropFirst(6)) else {
            process.terminate()
            throw TestSetupError("smtp_server.py did not start (said \(line ?? "nothing")); see its stderr above")
        }
        self.port = port
    }

    /// SIGTERM (the script unblocks it), then SIGKILL if it is still there after 5 s.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? lifeline.fileHandleForWriting.close()
        try? FileManager.default.removeItem(at: outputDirectory)
    }

    /// Settings pointing at this server, trusting the test CA.
    func settings(
        tls: SMTPTLSMode, credentials: SMTPCredentials? = nil, host: String = "localhost",
        allowPlaintextAuth: Bool = false, timeout: Duration = .seconds(10)
    ) throws -> SMTPSettings {
        var settings = SMTPSettings(
            host: host, port: port, tls: tls, credentials: credentials, hello: "client.example.com",
            allowPlaintextAuth: allowPlaintextAuth, timeout: timeout)
        settings.additionalTrustedCertificatesFile = try TestCertificates.shared.get().caFile
        return settings
    }

    /// The SMTP events the server saw, in order.
    func events() throws -> [Event] {
        let file = outputDirectory.appendingPathComponent("events.jsonl")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
    }

    /// Every message received, in order, as the server's `email` package parsed it.
    func messages() throws -> [ReceivedMessage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            var message = try JSONDecoder().decode(
                ReceivedMessage.self, from: Data(contentsOf: outputDirectory.appendingPathComponent(name)))
            message.raw = Array(try Data(contentsOf: outputDirectory.appendingPathComponent(
                name.replacingOccurrences(of: ".json", with: ".eml"))))
            return message
        }
    }

    struct Event: Decodable, Equatable {
        var connection: Int
        var event: String
        var address: String?
        var mechanism: String?
        var success: Bool?
        var tls: Bool?
    }

    struct ReceivedMessage: Decodable {
        var connection: Int
        var mail_from: String
        var rcpt_tos: [String]
        var headers: [[String]]
        var subject: String?
        var from: String?
        var to: String?
        var date: String?
        var message_id: String?
        var in_reply_to: String?
        var references: String?
        var content_type: String
        var charset: String?
        var transfer_encoding: String?
        var body: String
        var defects: [String]
        var max_line_length: Int
        var bare_line_breaks: Int
        var raw: [UInt8] = []

        enum CodingKeys: String, CodingKey {
            case connection, mail_from, rcpt_tos, headers, subject, from, to, date, message_id, in_reply_to
            case references, content_type, charset, transfer_encoding, body, defects, max_line_length
            case bare_line_breaks
        }
    }

    /// One line from `descriptor`, waiting at most `seconds`.
    private static func readLine(_ descriptor: Int32, within seconds: Int) -> String? {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while Date() < deadline {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 200) >= 0 else { return nil }
            guard entry.revents != 0 else { continue }
            var byte: UInt8 = 0
            guard read(descriptor, &byte, 1) == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }
}
