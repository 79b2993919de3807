import Foundation
import HTTPClient

/// The calls statushook makes to the TrustHub REST API, on CustomerProfiles and TrustProducts
/// alike: fetch one resource, read a page of a list, and update a resource's `StatusCallback`.
/// HTTP Basic over libcurl.
///
/// Blocking, over one libcurl handle: one client per thread, never on Swift's cooperative pool.
/// Every call is counted in `statushook_trusthub_requests_total` by its outcome.
public final class TrustHubClient: Sendable {
    private let http: HTTPClient
    private let apiBase: String
    private let authorization: String
    private let metrics: StatushookMetrics

    /// A list page of 1000 profiles is about a megabyte.
    static let maximumBodyBytes = 16 << 20

    public init(settings: TrustHubSettings, metrics: StatushookMetrics = .shared) {
        http = HTTPClient(userAgent: "statushook/\(StatushookVersion.current)", maximumBodyBytes: Self.maximumBodyBytes)
        apiBase = settings.apiBase
        authorization = "Basic " + Data("\(settings.username):\(settings.password)".utf8).base64EncodedString()
        self.metrics = metrics
    }

    /// `GET /v1/CustomerProfiles/{Sid}` or `/v1/TrustProducts/{Sid}`.
    public func fetch(sid: String, kind: ResourceKind, timeout: Duration) throws(TrustHubError) -> TrustHubResource {
        guard TrustHubResource.isProfileSid(sid) else { throw TrustHubError.malformed("not a resource SID") }
        return try counted("fetch") { () throws(TrustHubError) in
            try TrustHubResource(json: exchange(get: resourceURL(sid: sid, kind: kind), timeout: timeout), kind: kind)
        }
    }

    /// The resource `sid` names, whichever it is: asked as `likely` (a CustomerProfile unless
    /// known otherwise), and on Twilio's 404 as the other kind. ``TrustHubError/notFound`` when
    /// neither knows it. Both calls share `timeout`.
    public func fetchEither(sid: String, likely: ResourceKind = .customerProfile,
                            timeout: Duration) throws(TrustHubError) -> TrustHubResource {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        do {
            return try fetch(sid: sid, kind: likely, timeout: timeout)
        } catch .notFound {
            let other: ResourceKind = likely == .customerProfile ? .trustProduct : .customerProfile
            return try fetch(sid: sid, kind: other, timeout: max(deadline - clock.now, .milliseconds(50)))
        }
    }

    /// The first page of a list (`PageSize` 1–1000).
    public func firstPageURL(kind: ResourceKind, pageSize: Int) -> String {
        apiBase + "/v1/" + kind.collection + "?PageSize=\(min(max(pageSize, 1), 1000))"
    }

    /// One page of the `kind` list at `url`: ``firstPageURL(kind:pageSize:)`` or a
    /// `next_page_url`, which must be on the configured API (credentials are never sent anywhere else).
    public func page(url: String, kind: ResourceKind, timeout: Duration) throws(TrustHubError) -> TrustHubResourcePage {
        guard url.hasPrefix(apiBase + "/") else {
            throw TrustHubError.malformed("a next_page_url outside the configured API")
        }
        return try counted("list") { () throws(TrustHubError) in
            try TrustHubResourcePage(json: exchange(get: url, timeout: timeout), kind: kind)
        }
    }

    /// `POST /v1/{CustomerProfiles|TrustProducts}/{Sid}` with `StatusCallback`; the updated resource.
    public func updateStatusCallback(sid: String, kind: ResourceKind, to callbackURL: String,
                                     timeout: Duration) throws(TrustHubError) -> TrustHubResource {
        guard TrustHubResource.isProfileSid(sid) else { throw TrustHubError.malformed("not a resource SID") }
        let body = "StatusCallback=" + Self.formEncode(callbackURL)
        return try counted("update") { () throws(TrustHubError) in
            try TrustHubResource(json: exchange(post: resourceURL(sid: sid, kind: kind), form: body, timeout: timeout), kind: kind)
        }
    }

    private func resourceURL(sid: String, kind: ResourceKind) -> String {
        apiBase + "/v1/" + kind.collection + "/" + sid
    }

    /// Runs one call to the API and counts its outcome under `call`.
    private func counted<Value>(_ call: String, _ body: () throws(TrustHubError) -> Value) throws(TrustHubError) -> Value {
        do {
            let value = try body()
            metrics.trusthubRequest(call: call, outcome: "ok")
            return value
        } catch {
            metrics.trusthubRequest(call: call, outcome: error.outcomeLabel)
            throw error
        }
    }

    private func exchange(post url: String, form body: String, timeout: Duration) throws(TrustHubError) -> JSONValue {
        try exchange { () throws(HTTPClientError) in
            try http.post(url: url, headers: [
                ("Authorization", authorization), ("Accept", "application/json"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ], body: Array(body.utf8), timeout: timeout)
        }
    }

    private func exchange(get url: String, timeout: Duration) throws(TrustHubError) -> JSONValue {
        try exchange { () throws(HTTPClientError) in
            try http.get(url: url, headers: [("Authorization", authorization), ("Accept", "application/json")],
                         timeout: timeout)
        }
    }

    /// `send`'s answer checked, or its failure told by kind (libcurl's text names the host).
    private func exchange(_ send: () throws(HTTPClientError) -> HTTPClientResponse) throws(TrustHubError) -> JSONValue {
        let response: HTTPClientResponse
        do {
            response = try send()
        } catch {
            throw TrustHubError.transport(error.kind)
        }
        return try Self.check(response)
    }

    /// The JSON of a 2xx answer, or the error its status means.
    static func check(_ response: HTTPClientResponse, now: Int64 = Int64(Date().timeIntervalSince1970)) throws(TrustHubError) -> JSONValue {
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.delay($0, now: now) }
        switch response.status {
        case 200..<300:
            guard response.body.count < maximumBodyBytes else { throw TrustHubError.malformed("an answer over 16 MiB") }
            guard let json = JSONValue(parsing: String(decoding: response.body, as: UTF8.self)) else {
                throw TrustHubError.malformed("an answer that is not JSON")
            }
            return json
        case 401, 403: throw TrustHubError.unauthorized(status: response.status, detail: errorDetail(response.body))
        case 404: throw TrustHubError.notFound
        case 429: throw TrustHubError.rateLimited(retryAfter: retryAfter)
        case 500..<600: throw TrustHubError.unavailable(status: response.status, retryAfter: retryAfter)
        default: throw TrustHubError.refused(status: response.status, detail: errorDetail(response.body))
        }
    }

    /// `code message` of Twilio's error body, if it is one.
    static func errorDetail(_ body: [UInt8]) -> String {
        guard let json = JSONValue(parsing: String(decoding: body, as: UTF8.self)) else { return "" }
        var parts: [String] = []
        if case .int(let code) = json.member("code") { parts.append(String(code)) }
        if let message = json.member("message")?.stringValue { parts.append(String(message.prefix(200))) }
        return parts.joined(separator: " ")
    }

    /// `application/x-www-form-urlencoded` value: unreserved bytes kept, the rest `%XX`.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: out.append(Character(Unicode.Scalar(byte)))
            default: out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
