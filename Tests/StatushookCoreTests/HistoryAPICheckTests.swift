import Foundation
import HTTPServer
import Logging
import PostgresClient
@testable import StatushookCore
import Testing

/// What `HistoryAPI.check` answers on the head alone: no database is reached (the pool never connects).
@Suite("History API checks")
struct HistoryAPICheckTests {
    static func api(history: Bool = true) throws -> HistoryAPI {
        var configuration = Configuration(databaseURL: "host=/nonexistent")
        if history {
            configuration.historyUsername = "reader"
            configuration.historyPassword = "s3cret:with colon"
        }
        return try HistoryAPI(configuration: configuration, pool: PostgresPool(endpoint: PostgresEndpoint("host=/nonexistent"), maxConnections: 1),
                              logger: Logger(label: "test"))
    }

    static func head(_ target: String, authorization: String? = basic("reader", "s3cret:with colon")) -> HTTPRequestHead {
        var headers = HTTPHeaders([("Host", "127.0.0.1:8080")])
        if let authorization { headers.add("Authorization", authorization) }
        return HTTPRequestHead(method: "GET", target: target, headers: headers, peer: "127.0.0.1")
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static func body(_ response: HTTPResponse?) -> String {
        response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
    }

    @Test("without history credentials configured, every path is a 404 that says how to turn it on")
    func off() throws {
        let answer = try Self.api(history: false).check(Self.head("/v1/CustomerProfiles"))
        #expect(answer?.status == 404)
        #expect(Self.body(answer).contains("history_username") && Self.body(answer).contains("\"code\":20404"))
    }

    @Test("missing or wrong credentials are a 401 with WWW-Authenticate", arguments: [
        nil, basic("reader", "wrong"), basic("READER", "s3cret:with colon"), basic("reader", "s3cret:with colo"),
        "Bearer abc", "Basic !!!", "Basic",
    ])
    func unauthorized(authorization: String?) throws {
        let answer = try Self.api().check(Self.head("/v1/CustomerProfiles", authorization: authorization))
        #expect(answer?.status == 401)
        #expect(answer?.headers.contains { $0.name == "WWW-Authenticate" && $0.value == "Basic realm=\"statushook\"" } == true)
        #expect(Self.body(answer).contains("\"code\":20401"))
    }

    @Test("the right credentials pass, the scheme's case aside")
    func authorized() throws {
        let api = try Self.api()
        #expect(api.check(Self.head("/v1/CustomerProfiles")) == nil)
        let lower = "basic " + Data("reader:s3cret:with colon".utf8).base64EncodedString()
        #expect(api.check(Self.head("/v1/Transitions?Status=draft", authorization: lower)) == nil)
    }

    @Test("bad parameters are a 400, code 20400, before any database work", arguments: [
        "/v1/CustomerProfiles?PageSize=0", "/v1/CustomerProfiles?PageSize=1001", "/v1/Transitions?DateCreatedAfter=yesterday",
        "/v1/Deliveries?PageToken=PAAAAA", "/v1/CustomerProfiles/BU1/Transitions?Page=2",
    ])
    func badRequest(target: String) throws {
        let answer = try Self.api().check(Self.head(target))
        #expect(answer?.status == 400)
        #expect(Self.body(answer).contains("\"code\":20400"))
    }

    @Test("an unknown path under /v1/ is a 404 once authenticated")
    func unknownPath() throws {
        let api = try Self.api()
        #expect(api.check(Self.head("/v1/Nothing"))?.status == 404)
        #expect(api.check(Self.head("/v1/Nothing", authorization: nil))?.status == 401)
        // Parameters of a single resource are not checked (nothing pages there).
        #expect(api.check(Self.head("/v1/CustomerProfiles/BU1?PageSize=0")) == nil)
    }
}
