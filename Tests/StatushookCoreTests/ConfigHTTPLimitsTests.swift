@testable import HTTPServer
import Logging
import Testing
@testable import StatushookCore

/// The listener's limits (docs/contract.md §5): `max_header_bytes`, and what the HTTP server is given.
@Suite("Configuration of the HTTP limits")
struct ConfigHTTPLimitsTests {
    typealias F = ConfigFixture

    static let headerRule = "expected from 1KiB to 1MiB"

    @Test("max_header_bytes defaults to 16 KiB")
    func headerDefault() throws {
        #expect(try F.parseWithRequired("").maxHeaderBytes == 16 * 1024)
    }

    @Test("max_header_bytes takes bytes or a KiB or MiB suffix, from 1 KiB to 1 MiB", arguments: [
        ("1024", 1024), ("1KiB", 1024), ("8KiB", 8192), ("65536", 65536), ("1MiB", 1024 * 1024),
    ] as [(String, Int)])
    func headerValues(value: String, bytes: Int) throws {
        #expect(try F.parseWithRequired("max_header_bytes = \(value)\n").maxHeaderBytes == bytes)
    }

    @Test("max_header_bytes out of range is an error naming the line", arguments: ["1023", "2MiB", "1048577"])
    func headerOutOfRange(value: String) {
        #expect(F.errorsWithRequired("max_header_bytes = \(value)\n") == [
            F.fileError(3, "bad value for 'max_header_bytes': \(Self.headerRule)"),
        ])
    }

    @Test("max_header_bytes that is not a byte count gets the byte-count rule", arguments: ["lots", "16 KiB", "16kb", "0", "-1"])
    func headerNotBytes(value: String) {
        #expect(F.errorsWithRequired("max_header_bytes = \(value)\n") == [
            F.fileError(3, "bad value for 'max_header_bytes': expected a positive number of bytes, optionally with a KiB or MiB suffix (65536, 64KiB)"),
        ])
    }

    @Test("a near miss of max_header_bytes names it")
    func headerNearMiss() {
        #expect(F.errorsWithRequired("max_headers_bytes = 8KiB\n") == [
            F.fileError(3, "unknown key 'max_headers_bytes' (did you mean 'max_header_bytes'?)"),
        ])
    }

    @Test("STATUSHOOK_MAX_HEADER_BYTES overrides the file")
    func headerEnvironment() throws {
        let configuration = try F.parseWithRequired("max_header_bytes = 8KiB\n",
                                                    environment: ["STATUSHOOK_MAX_HEADER_BYTES": "32KiB"])
        #expect(configuration.maxHeaderBytes == 32 * 1024)
    }

    @Test("max_header_bytes takes effect only at a restart")
    func headerRestartOnly() throws {
        let running = try F.parseWithRequired("")
        let fresh = try F.parseWithRequired("max_header_bytes = 8KiB\n")
        #expect(Daemon.restartOnlyChanges(running: running, fresh: fresh) == ["max_header_bytes"])
    }

    @Test("the server gets connection_timeout as the request budget and a Twilio-shaped 431")
    func serverConfiguration() throws {
        let configuration = try F.parseWithRequired("connection_timeout = 1500ms\nmax_header_bytes = 8KiB\nmax_connections = 300\n")
        let server = HTTPServerConfiguration(configuration, logger: Logger(label: "test"), metrics: StatushookMetrics())
        #expect(server.requestTimeout == .milliseconds(1500))
        #expect(server.idleTimeoutSeconds == 2)  // libmicrohttpd counts whole seconds: rounded up
        #expect(server.maxConnections == 300)
        #expect(server.maxHeaderBytes == 8192)
        #expect(server.connectionMemoryLimit >= 2 * 8192)
        #expect(server.headersTooLarge.status == 431)
        let body = String(decoding: server.headersTooLarge.body, as: UTF8.self)
        #expect(body.contains("\"code\":20431"))
        #expect(body.contains("max_header_bytes (8192 bytes)"))
    }

    @Test("a breach is counted by reason")
    func breachCounted() throws {
        let metrics = StatushookMetrics()
        let server = HTTPServerConfiguration(try F.parseWithRequired(""), logger: Logger(label: "test"), metrics: metrics)
        server.onLimitBreach(HTTPLimitBreach(reason: .requestTimeout, peer: "192.0.2.1"))
        server.onLimitBreach(HTTPLimitBreach(reason: .requestTimeout, peer: "192.0.2.2"))
        let text = metrics.exposition()
        #expect(text.contains("statushook_http_limit_breaches_total{reason=\"request_timeout\"} 2"))
        #expect(text.contains("statushook_http_limit_breaches_total{reason=\"body_too_large\"} 0"))
    }
}
