import HTTPClient
import Testing
import TestSupport

@Suite("HTTPClient: https against a test CA made by openssl")
struct HTTPClientTLSTests {
    func post(_ url: String, trusting caFile: String) async throws -> Result<HTTPClientResponse, HTTPClientError> {
        try await onOwnThread {
            HTTPClient(caBundlePath: caFile).attempt(url: url, body: Array("x".utf8))
        }
    }

    @Test("an https receiver whose certificate the trusted CA signed answers")
    func trusted() async throws {
        let certificates = try TestCertificates.shared.get()
        let receiver = try HTTPTestReceiver(tls: (certificates.certificateFile, certificates.keyFile))
        defer { receiver.stop() }
        let result = try await post("https://localhost:\(receiver.port)/hook", trusting: certificates.caFile)
        #expect(try result.get().status == 200)
        #expect(try receiver.recorded().map(\.bodyBytes) == [Array("x".utf8)])
    }

    @Test("a certificate for another host name fails as tls, and nothing is sent")
    func wrongHostName() async throws {
        let certificates = try TestCertificates.shared.get()
        let receiver = try HTTPTestReceiver(tls: (certificates.certificateFile, certificates.keyFile))
        defer { receiver.stop() }
        // The certificate names localhost only.
        let result = try await post("https://127.0.0.1:\(receiver.port)/hook", trusting: certificates.caFile)
        #expect(result.failure?.kind == .tls)
        #expect(try receiver.recorded().isEmpty)
    }

    @Test("a certificate from a CA not trusted fails as tls, and nothing is sent")
    func untrustedCA() async throws {
        let certificates = try TestCertificates.shared.get()
        let receiver = try HTTPTestReceiver(tls: (certificates.certificateFile, certificates.keyFile))
        defer { receiver.stop() }
        let result = try await post("https://localhost:\(receiver.port)/hook", trusting: certificates.otherCAFile)
        #expect(result.failure?.kind == .tls)
        #expect(try receiver.recorded().isEmpty)
    }

    @Test("two https requests reuse one connection")
    func keepAlive() async throws {
        let certificates = try TestCertificates.shared.get()
        let receiver = try HTTPTestReceiver(tls: (certificates.certificateFile, certificates.keyFile))
        defer { receiver.stop() }
        let url = "https://localhost:\(receiver.port)/hook"
        let caFile = certificates.caFile
        let statuses = try await onOwnThread {
            let client = HTTPClient(caBundlePath: caFile)
            return try (0..<2).map { _ in try client.post(url: url, headers: [], body: [], timeout: .seconds(5)).status }
        }
        #expect(statuses == [200, 200])
        #expect(try receiver.recorded().map(\.connection) == [1, 1])
    }
}
