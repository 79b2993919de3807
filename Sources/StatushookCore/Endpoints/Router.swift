import HTTPServer
import Logging
import Locking

/// A read endpoint whose settings follow a SIGHUP: `prepareReload` validates the new
/// configuration and throws if it cannot be taken; the closure it returns applies it (and cannot fail).
public protocol ReloadableEndpoint: Sendable {
    func prepareReload(_ configuration: Configuration) throws -> @Sendable () -> Void
}

/// Sends each request to its endpoint by path; unknown paths get a Twilio-shaped 404.
public final class Router: HTTPHandler {
    private let policy: Locked<CallbackPolicy>
    private let callbacks: CallbackEndpoint
    private let readiness: Readiness
    private let readRoutes: [ReadRoute]
    private let readers: BlockingWorkPool

    public init(configuration: Configuration, writer: IngestWriter, readiness: Readiness,
                readRoutes: [ReadRoute] = [], logger: Logger) throws {
        policy = Locked(try CallbackPolicy(configuration))
        callbacks = CallbackEndpoint(writer: writer, logger: logger)
        self.readiness = readiness
        self.readRoutes = readRoutes
        readers = BlockingWorkPool(threads: 4, name: "reader")
    }

    /// Validates everything `configuration` means for the endpoints (callback policy, read
    /// endpoints) and changes nothing; the returned closure applies it all.
    public func prepareReload(_ configuration: Configuration) throws -> @Sendable () -> Void {
        let fresh = try CallbackPolicy(configuration)
        let endpoints = try readRoutes.compactMap { try ($0.endpoint as? any ReloadableEndpoint)?.prepareReload(configuration) }
        return { [self] in
            policy.withLock { $0 = fresh }
            for apply in endpoints { apply() }
        }
    }

    public func accept(_ head: HTTPRequestHead) -> HTTPHeadDecision {
        let policy = policy.withLock { $0 }
        switch head.path {
        case policy.callbackPath:
            return callbacks.accept(head, policy: policy)
        case "/healthz":
            return Self.getOnly(head) ?? .respond(JSONResponse.make(200, .object([("status", "ok")])))
        case "/readyz":
            return Self.getOnly(head) ?? .respond(JSONResponse.make(readiness.isReady ? 200 : 503, readiness.report))
        case "/ui":
            return Self.getOnly(head) ?? .respond(Self.operatorPageRedirect(query: head.query))
        default:
            guard let route = readRoutes.first(where: { $0.matches(head.path) }) else {
                return .respond(TwilioErrorResponse.make(404, "no resource at \(head.path)"))
            }
            if let refused = Self.getOnly(head) { return refused }
            if let answer = route.endpoint.check(head) { return .respond(answer) }
            return .readBody(limit: 0, tooLarge: TwilioErrorResponse.make(413, "a GET takes no body"))
        }
    }

    /// `/ui` is the operator page typed without its slash: 301 to `ui/`, relative, so that it
    /// also lands right behind a proxy that serves statushook under a prefix of its own.
    static func operatorPageRedirect(query: Substring?) -> HTTPResponse {
        HTTPResponse(status: 301, headers: [("Location", "ui/" + (query.map { "?" + $0 } ?? ""))])
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        if let route = readRoutes.first(where: { $0.matches(request.head.path) }) {
            let head = request.head
            let queued = readers.submit { responder.respond(route.endpoint.respond(to: head)) }
            if !queued {
                responder.respond(TwilioErrorResponse.make(503, "too many reads wait already; try again",
                                                           headers: [("Retry-After", "1")]))
            }
            return
        }
        guard readiness.acceptsCallbacks else {
            StatushookMetrics.shared.callbackAnswered(result: "unavailable", seconds: nil)
            return responder.respond(TwilioErrorResponse.make(503, "statushook is starting: the database is not ready yet",
                                                              headers: [("Retry-After", "5")]))
        }
        let policy = policy.withLock { $0 }
        callbacks.handle(request, policy: policy, responder: responder)
    }

    /// Starts the threads that answer the read endpoints; before the listener starts.
    public func startReaders() {
        readers.start()
    }

    /// Ends the threads that answer the read endpoints, once what they were given is answered;
    /// after the listener stopped. Returns whether they ended by `deadline`.
    public func stopReaders(deadline: ContinuousClock.Instant) -> Bool {
        readers.stop(deadline: deadline)
    }

    private static func getOnly(_ head: HTTPRequestHead) -> HTTPHeadDecision? {
        guard head.method != "GET" && head.method != "HEAD" else { return nil }
        return .respond(TwilioErrorResponse.make(405, "method \(head.method) is not allowed; use GET",
                                                 headers: [("Allow", "GET, HEAD")]))
    }
}
