import Foundation
import HTTPClient
import Testing
import TestSupport

@Suite("HTTPClient: exchanges with a real receiver")
struct HTTPClientExchangeTests {
    @Test("headers and body arrive intact, with the user agent and no Expect")
    func headersAndBody() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/hook?tenant=acme")
        let body = (0...255).map { UInt8($0) } + Array("{\"é\":\"ü\"}".utf8)
        let response = try await onOwnThread {
            try HTTPClient(userAgent: "statushook/9.9").post(
                url: url,
                headers: [("Content-Type", "application/json"), ("webhook-id", "42"),
                          ("X-Spaces", "a  b\tc")],
                body: body, timeout: .seconds(5))
        }
        #expect(response.status == 200)
        let recorded = try receiver.recorded()
        try #require(recorded.count == 1)
        #expect(recorded[0].method == "POST")
        #expect(recorded[0].target == "/hook?tenant=acme")
        #expect(recorded[0].bodyBytes == body)
        #expect(recorded[0].header("content-type") == "application/json")
        #expect(recorded[0].header("Webhook-Id") == "42")
        #expect(recorded[0].header("X-Spaces") == "a  b\tc")
        #expect(recorded[0].header("User-Agent") == "statushook/9.9")
        #expect(recorded[0].header("Content-Length") == String(body.count))
        #expect(recorded[0].header("Expect") == nil)
    }

    @Test("an empty body is sent as Content-Length: 0")
    func emptyBody() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/empty")
        let response = try await onOwnThread {
            try HTTPClient().post(url: url, headers: [], body: [], timeout: .seconds(5))
        }
        #expect(response.status == 200)
        let recorded = try receiver.recorded()
        #expect(recorded.map(\.method) == ["POST"])
        #expect(recorded.first?.header("Content-Length") == "0")
        #expect(recorded.first?.header("User-Agent") == "statushook")
    }

    @Test("the status, the response headers and the body are read", arguments: [200, 204, 410, 500])
    func statusRead(_ status: Int) async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/s?status=\(status)")
        let response = try await onOwnThread {
            try HTTPClient().post(url: url, headers: [], body: Array("x".utf8), timeout: .seconds(5))
        }
        #expect(response.status == status)
        #expect(response.header("x-request") == "1")
        #expect(response.header("X-REQUEST") == "1")
        if status == 204 {
            #expect(response.body.isEmpty)
        } else {
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"connection": 1, "request": 1}"#)
        }
    }

    @Test("a 429 comes back with its Retry-After")
    func retryAfter() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/busy?status=429&retry_after=7")
        let response = try await onOwnThread {
            try HTTPClient().post(url: url, headers: [], body: [], timeout: .seconds(5))
        }
        #expect(response.status == 429)
        #expect(response.header("Retry-After") == "7")
    }

    @Test("a 301 is returned as 301, never followed")
    func redirectNotFollowed() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let landing = receiver.url("/landed")
        let url = receiver.url("/moved?status=301&location=\(landing)")
        let response = try await onOwnThread {
            try HTTPClient().post(url: url, headers: [], body: Array("x".utf8), timeout: .seconds(5))
        }
        #expect(response.status == 301)
        #expect(response.header("Location") == landing)
        #expect(try receiver.recorded().map(\.target) == ["/moved?status=301&location=\(landing)"])
    }

    @Test("a receiver that hangs is cut at the timeout, as a timeout")
    func hangingReceiver() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/slow?hang=10")
        let (result, elapsed) = try await onOwnThread {
            let client = HTTPClient()
            let clock = ContinuousClock()
            let start = clock.now
            let result = client.attempt(url: url, timeout: .seconds(1))
            return (result, clock.now - start)
        }
        #expect(result.failure?.kind == .timeout)
        #expect(elapsed >= Duration.milliseconds(900))
        #expect(elapsed < Duration.seconds(2))
    }

    @Test("a refused connection is a connect error")
    func connectionRefused() async throws {
        let receiver = try HTTPTestReceiver()
        let url = receiver.url("/gone")
        receiver.stop()
        let result = try await onOwnThread { HTTPClient().attempt(url: url) }
        #expect(result.failure?.kind == .connect)
        #expect(result.failure?.message.isEmpty == false)
    }

    @Test("a receiver that closes the connection without answering is a network error")
    func closedWithoutAnswer() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/drop?close=1")
        let result = try await onOwnThread { HTTPClient().attempt(url: url) }
        #expect(result.failure?.kind == .network)
    }

    @Test("two requests to one server reuse one connection")
    func keepAlive() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let first = receiver.url("/a")
        let second = receiver.url("/b")
        let connections = try await onOwnThread { () -> [String?] in
            let client = HTTPClient()
            return try [first, second].map {
                try client.post(url: $0, headers: [], body: Array("x".utf8), timeout: .seconds(5)).header("X-Connection")
            }
        }
        #expect(connections == ["1", "1"])
        #expect(try receiver.recorded().map(\.connection) == [1, 1])
    }

    @Test("only the first maximumBodyBytes of a body are kept, and the connection stays usable")
    func bodyCapped() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/big")
        let bodies = try await onOwnThread { () -> [[UInt8]] in
            let client = HTTPClient(maximumBodyBytes: 10)
            return try (0..<2).map { _ in try client.post(url: url, headers: [], body: [], timeout: .seconds(5)).body }
        }
        #expect(bodies.map { String(decoding: $0, as: UTF8.self) } == [#"{"connecti"#, #"{"connecti"#])
        #expect(try receiver.recorded().map(\.connection) == [1, 1])
    }
}
