import Foundation

/// A throwaway CA and server certificates made with the `openssl` CLI, once per test process.
struct TestCertificates: Sendable {
    let directory: URL
    /// The CA the client is told to trust.
    let caFile: String
    /// For `localhost` and 127.0.0.1.
    let serverCertificate: String
    let serverKey: String
    /// Signed by the same CA, but for `mail.invalid` only.
    let otherHostCertificate: String
    let otherHostKey: String

    static let shared: Result<TestCertificates, TestSetupError> = Result { () throws(TestSetupError) in try make() }

    private static let prefix = "statushook-smtp-test-ca-"
    /// One folder per test process, named by its pid.
    private static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(getpid())")

    private static func make() throws(TestSetupError) -> TestCertificates {
        removeFoldersOfExitedRuns()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TestSetupError("cannot create \(directory.path): \(error)")
        }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + key + [
            "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=statushook test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        for (name, altNames) in [("server", "DNS:localhost,IP:127.0.0.1"), ("other", "DNS:mail.invalid")] {
            try openssl(["req"] + key + [
                "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)",
            ])
            let extensions = """
                subjectAltName=\(altNames)
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature
                extendedKeyUsage=serverAuth
                """
            do {
                try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            } catch {
                throw TestSetupError("cannot write \(name).ext: \(error)")
            }
            try openssl([
                "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext"),
            ])
        }
        return TestCertificates(
            directory: directory, caFile: path("ca.pem"),
            serverCertificate: path("server.pem"), serverKey: path("server.key"),
            otherHostCertificate: path("other.pem"), otherHostKey: path("other.key"))
    }

    /// The test process cannot clean up at exit, so each run removes what earlier ones left.
    private static func removeFoldersOfExitedRuns() {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] {
            guard name.hasPrefix(prefix), let pid = pid_t(name.dropFirst(prefix.count)) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
            }
        }
    }

    private static func openssl(_ arguments: [String]) throws(TestSetupError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TestSetupError("cannot run openssl: \(error)")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: "
                + String(decoding: output, as: UTF8.self))
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
