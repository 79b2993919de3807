@testable import HTTPServer
import Testing

/// What a stop of the HTTP server relies on: no request may start waiting on a suspended
/// connection once it has seen none in flight (libmicrohttpd aborts when stopped with one).
@Suite("HTTP server: requests in flight at a stop")
struct HTTPServerStopTests {
    @Test("requests are counted in until the door closes, and never after; those inside are still counted out")
    func door() {
        let inFlight = InFlightRequests()
        #expect(inFlight.enter() && inFlight.enter())
        #expect(inFlight.count == 2)
        inFlight.close()
        #expect(!inFlight.enter())
        #expect(inFlight.count == 2)
        inFlight.leave()
        inFlight.leave()
        #expect(inFlight.count == 0)
        #expect(!inFlight.enter())
        #expect(inFlight.count == 0)
    }

    @Test("the shutting-down answer closes its connection")
    func shuttingDown() {
        let configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, shuttingDown: HTTPResponse(status: 503))
        #expect(configuration.shuttingDown.status == 503)
        #expect(configuration.shuttingDown.headers.contains { $0.name == "Connection" && $0.value == "close" })
    }
}
