/// What the application does with a request, in two steps that mirror how it arrives.
///
/// `accept` sees the head before any body byte is read, so that a request to reject (wrong
/// path, method, size, credentials) costs no body. `handle` gets the whole body and answers
/// through a responder, at once or later from any thread: the connection waits suspended and
/// holds no server thread meanwhile.
public protocol HTTPHandler: Sendable {
    func accept(_ head: HTTPRequestHead) -> HTTPHeadDecision
    func handle(_ request: HTTPRequest, responder: HTTPResponder)
}

public enum HTTPHeadDecision: Sendable {
    /// Answer now; the body, if any, is not read.
    case respond(HTTPResponse)
    /// Read the body, up to `limit` bytes; past it, answer `tooLarge` instead of calling `handle`.
    case readBody(limit: Int, tooLarge: HTTPResponse)
}

/// Answers one request exactly once, from any thread.
public final class HTTPResponder: Sendable {
    private let deliver: @Sendable (HTTPResponse) -> Void

    init(deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
    }

    public func respond(_ response: HTTPResponse) {
        deliver(response)
    }
}
