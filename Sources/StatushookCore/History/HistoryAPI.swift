import Foundation
import Hashing
import HTTPServer
import Logging
import PostgresClient
import Locking

/// `GET /v1/...`: the history API in Twilio's shapes, so that Twilio's SDKs read it.
///
/// `check` refuses on the head alone (credentials, unknown paths, bad parameters and tokens), so
/// a bad request costs no database work; `respond` runs on a reader thread and blocks on the pool.
/// Credentials, page-token key and URL settings are replaced as a whole by a SIGHUP (`prepareReload`).
public final class HistoryAPI: ReadEndpoint, ReloadableEndpoint {
    /// What the configuration decides, swapped as one value on reload.
    struct Settings: Sendable {
        /// Set when the API is on; nil answers every request 404.
        var credentials: BasicCredentials?
        var codec: PageTokenCodec?
        var urlBuilder: SignedURLBuilder

        init(_ configuration: Configuration) throws {
            if let username = configuration.historyUsername, let password = configuration.historyPassword {
                credentials = BasicCredentials(username: username, password: password)
                codec = PageTokenCodec(username: username, password: password)
            } else {
                credentials = nil
                codec = nil
            }
            urlBuilder = SignedURLBuilder(publicURL: configuration.publicURL,
                                          trustedProxies: try TrustedProxies(parsing: configuration.trustedProxies))
        }
    }

    private let settings: Locked<Settings>
    private let pool: PostgresPool
    private let store = HistoryStore()
    private let logger: Logger

    public init(configuration: Configuration, pool: PostgresPool, logger: Logger) throws {
        settings = Locked(try Settings(configuration))
        self.pool = pool
        self.logger = logger
    }

    /// Validates `configuration`'s history settings; the returned closure applies them.
    public func prepareReload(_ configuration: Configuration) throws -> @Sendable () -> Void {
        let fresh = try Settings(configuration)
        return { [self] in self.settings.withLock { $0 = fresh } }
    }

    public func check(_ head: HTTPRequestHead) -> HTTPResponse? {
        check(head, settings: settings.withLock { $0 })
    }

    private func check(_ head: HTTPRequestHead, settings: Settings) -> HTTPResponse? {
        guard let credentials = settings.credentials, let codec = settings.codec else {
            return TwilioErrorResponse.make(404, "the history API is off: set history_username and history_password to turn it on")
        }
        guard credentials.authorize(head.headers["Authorization"]) else {
            return BasicCredentials.challenge("history")
        }
        guard let route = HistoryRoute(path: head.path) else {
            return TwilioErrorResponse.make(404, "no resource at \(head.path)")
        }
        if let list = route.list {
            do throws(HistoryQueryError) {
                _ = try HistoryListQuery.parse(head.query, list: list, codec: codec)
            } catch {
                return TwilioErrorResponse.make(400, error.message)
            }
        }
        return nil
    }

    public func respond(to head: HTTPRequestHead) -> HTTPResponse {
        // `check` passed this request; these only fail if it was skipped (or a reload came between).
        let settings = settings.withLock { $0 }
        if let refused = check(head, settings: settings) { return refused }
        guard let route = HistoryRoute(path: head.path), let codec = settings.codec else {
            return TwilioErrorResponse.make(404, "no resource at \(head.path)")
        }
        let base = HistoryPage.base(fromExternalURL: settings.urlBuilder.signedURL(target: "", peer: head.peer, header: { head.headers[$0] }))
        do {
            return try pool.withConnection { connection in
                try answer(route, query: head.query, base: base, codec: codec, on: connection)
            }
        } catch let error as PostgresError where error.isConnectionProblem {
            logger.warning("history request failed: the database is unavailable", metadata: ["path": "\(head.path)", "error": "\(error)"])
            return TwilioErrorResponse.make(503, "the database is unavailable; try again shortly", headers: [("Retry-After", "5")])
        } catch {
            logger.error("history request failed", metadata: ["path": "\(head.path)", "error": "\(error)"])
            return TwilioErrorResponse.make(500, "the history could not be read")
        }
    }

    private func answer(_ route: HistoryRoute, query text: Substring?, base: String, codec: PageTokenCodec,
                        on connection: PostgresConnection) throws -> HTTPResponse {
        switch route {
        case .profile(let kind, let sid):
            guard let profile = try store.profile(sid: sid, kind: kind, on: connection) else {
                return TwilioErrorResponse.make(404, "The requested resource \(HistoryRoute.profilePath(sid: sid, kind: kind)) was not found")
            }
            return JSONResponse.make(200, profile.json(base: base))
        case .transition(let id):
            guard let transition = try store.transition(id: id, on: connection) else {
                return TwilioErrorResponse.make(404, "The requested resource \(HistoryRoute.transitionPath(id: id)) was not found")
            }
            return JSONResponse.make(200, transition.json(base: base))
        case .profiles, .profileTransitions, .transitions, .deliveries:
            guard let list = route.list, let path = Self.listPath(route) else { preconditionFailure("\(route) is a list") }
            let query = try HistoryListQuery.parse(text, list: list, codec: codec)
            func render<Row: HistoryRecord>(_ fetched: [Row]) -> HTTPResponse {
                page(fetched, query: query, base: base, path: path, codec: codec)
            }
            switch route {
            case .profiles(let kind): return render(try store.profiles(query, kind: kind, on: connection))
            case .profileTransitions(let kind, let sid): return render(try store.transitions(query, sid: sid, kind: kind, on: connection))
            case .deliveries: return render(try store.deliveries(query, on: connection))
            default: return render(try store.transitions(query, sid: nil, on: connection))
            }
        }
    }

    private func page<Row: HistoryRecord>(_ fetched: [Row], query: HistoryListQuery, base: String, path: String,
                                          codec: PageTokenCodec) -> HTTPResponse {
        let window = KeysetWindow(fetched: fetched, pageSize: query.pageSize, token: query.token)
        let page = HistoryPage(query: query, base: base, path: path, items: window.rows.map { $0.json(base: base) },
                               next: window.next.map(codec.encode), previous: window.previous.map(codec.encode))
        return JSONResponse.make(200, page.json)
    }

    /// The path page URLs are written on (a SID as it came: letters and digits only); nil for a single resource.
    private static func listPath(_ route: HistoryRoute) -> String? {
        switch route {
        case .profiles(let kind): "/v1/" + kind.collection
        case .profileTransitions(let kind, let sid): HistoryRoute.profilePath(sid: sid, kind: kind) + "/Transitions"
        case .transitions: "/v1/Transitions"
        case .deliveries: "/v1/Deliveries"
        case .profile, .transition: nil
        }
    }
}
