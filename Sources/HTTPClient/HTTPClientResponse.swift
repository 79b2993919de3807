/// What a server answered: its status, its headers in order, and the start of its body.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// The final response's header fields in the order received, names as sent; never the
    /// headers of an interim `100 Continue`.
    public var headers: [(String, String)]
    /// At most the client's `maximumBodyBytes`: enough to log what a receiver said, never a
    /// download.
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header field `name`, compared without regard to ASCII case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}
