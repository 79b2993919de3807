import Foundation
import HTTPClient
import Testing
import TestSupport

@Suite("HTTPClient: GET")
struct HTTPClientGetTests {
    @Test("a GET carries its headers and no body, and reads the answer")
    func get() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/v1/CustomerProfiles?PageSize=1000")
        let response = try await onOwnThread {
            try HTTPClient().get(url: url, headers: [("Authorization", "Basic dXNlcjpwYXNz"), ("Accept", "application/json")],
                                 timeout: .seconds(5))
        }
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains("\"request\": 1"))
        let recorded = try receiver.recorded()
        try #require(recorded.count == 1)
        #expect(recorded[0].method == "GET")
        #expect(recorded[0].target == "/v1/CustomerProfiles?PageSize=1000")
        #expect(recorded[0].header("Authorization") == "Basic dXNlcjpwYXNz")
        #expect(recorded[0].header("Content-Length") == nil)
        #expect(recorded[0].bodyBytes.isEmpty)
    }

    @Test("GET and POST take turns on one client: each request has its own method and body")
    func alternating() async throws {
        let receiver = try HTTPTestReceiver()
        defer { receiver.stop() }
        let url = receiver.url("/x")
        let statuses = try await onOwnThread {
            let client = HTTPClient()
            return [
                try client.post(url: url, headers: [], body: Array("a=1".utf8), timeout: .seconds(5)).status,
                try client.get(url: url, headers: [], timeout: .seconds(5)).status,
                try client.post(url: url, headers: [], body: Array("b=2".utf8), timeout: .seconds(5)).status,
            ]
        }
        #expect(statuses == [200, 200, 200])
        let recorded = try receiver.recorded()
        #expect(recorded.map(\.method) == ["POST", "GET", "POST"])
        #expect(recorded.map(\.bodyBytes) == [Array("a=1".utf8), [], Array("b=2".utf8)])
    }

    @Test("a refused connection is an error of kind connect")
    func refused() async throws {
        let receiver = try HTTPTestReceiver()
        let url = receiver.url("/gone")
        receiver.stop()
        let kind = try await onOwnThread { () -> HTTPClientError.Kind? in
            do throws(HTTPClientError) {
                _ = try HTTPClient().get(url: url, headers: [], timeout: .seconds(5))
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(kind == .connect)
    }
}
