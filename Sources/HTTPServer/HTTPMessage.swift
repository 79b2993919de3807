/// Request headers in arrival order, looked up without regard to case.
public struct HTTPHeaders: Sendable {
    public private(set) var entries: [(name: String, value: String)]

    public init(_ entries: [(name: String, value: String)] = []) {
        self.entries = entries
    }

    /// The first value of `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return entries.first { $0.name.lowercased() == wanted }?.value
    }

    public mutating func add(_ name: String, _ value: String) {
        entries.append((name, value))
    }
}

/// What is known of a request once its headers are in, before any body byte is read.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The request target exactly as received: path and query, never decoded or re-encoded.
    public var target: String
    public var headers: HTTPHeaders
    /// The numeric address of the peer ("127.0.0.1", "::1").
    public var peer: String

    public init(method: String, target: String, headers: HTTPHeaders, peer: String) {
        self.method = method
        self.target = target
        self.headers = headers
        self.peer = peer
    }

    /// The target up to `?`, as received.
    public var path: Substring {
        questionMark.map { target[..<$0] } ?? target[...]
    }

    /// The target after `?`, as received; nil when there is no `?`.
    public var query: Substring? {
        questionMark.map { target[target.utf8.index(after: $0)...] }
    }

    /// Where the first `?` is: searched byte by byte (an ASCII byte is a whole character of
    /// UTF-8 text), not by Character, which took 3 % of statushook's CPU under a load of callbacks.
    private var questionMark: String.Index? {
        target.utf8.firstIndex(of: UInt8(ascii: "?"))
    }
}

/// A whole request: its head and its body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
