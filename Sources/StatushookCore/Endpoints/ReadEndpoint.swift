import HTTPServer

/// A read-only GET endpoint whose answer may block on the database (the history API, metrics).
///
/// The router checks the method, then `check` on the head (credentials: cheap, no I/O), then
/// runs `respond` on a thread of its `BlockingWorkPool`, never on libmicrohttpd's threads.
public protocol ReadEndpoint: Sendable {
    /// A response ends the request here (401, a bad filter…); nil lets it through to `respond`.
    func check(_ head: HTTPRequestHead) -> HTTPResponse?
    /// The answer; may block.
    func respond(to head: HTTPRequestHead) -> HTTPResponse
}

/// Where a read endpoint lives: `/metrics` exactly, or everything under `/v1/`.
public struct ReadRoute: Sendable {
    public enum Match: Sendable {
        case exact(String)
        case prefix(String)
    }

    public var match: Match
    public var endpoint: any ReadEndpoint

    public init(_ match: Match, _ endpoint: any ReadEndpoint) {
        self.match = match
        self.endpoint = endpoint
    }

    func matches(_ path: Substring) -> Bool {
        switch match {
        case .exact(let exact): return path == exact
        case .prefix(let prefix): return path.hasPrefix(prefix)
        }
    }
}
