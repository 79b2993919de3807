import Foundation

/// A throwaway CA and a `localhost` certificate it signed, made with the `openssl` CLI once per
/// test run, plus a second CA that signed nothing here (for "untrusted").
struct TestCertificates: Sendable {
    struct OpenSSLFailure: Error, CustomStringConvertible {
        var description: String
    }

    var caFile: String
    var otherCAFile: String
    var certificateFile: String
    var keyFile: String

    static let shared: Result<TestCertificates, any Error> = Result { try make() }

    private static func make() throws -> TestCertificates {
        removeStaleFolders()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("statushook-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        for name in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + ecKey + ["-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                        "-days", "2", "-subj", "/CN=statushook \(name)",
                        "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        try openssl(["req"] + ecKey + ["-keyout", path("localhost.key"), "-out", path("localhost.csr"),
                    "-subj", "/CN=localhost"])
        try Data("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: path("localhost.ext")))
        try openssl(["x509", "-req", "-in", path("localhost.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("localhost.pem"), "-days", "2",
                     "-extfile", path("localhost.ext")])
        return TestCertificates(caFile: path("ca.pem"), otherCAFile: path("other-ca.pem"),
                                certificateFile: path("localhost.pem"), keyFile: path("localhost.key"))
    }

    /// Earlier runs' folders (no hook runs after the last test); an hour old is surely not in use.
    private static func removeStaleFolders() {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix("statushook-tls-") {
            let folder = temporary.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: folder.path))?[.modificationDate] as? Date
            if let modified, modified < Date(timeIntervalSinceNow: -3_600) {
                try? FileManager.default.removeItem(at: folder)
            }
        }
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailure(description: "openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}
