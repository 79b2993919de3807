import SMTPClient

/// An smtp sink: mail through one smarthost.
public struct SMTPSinkSettings: Sendable, Equatable {
    /// A host name, a numeric IPv4 address, or an IPv6 address without brackets.
    public var smarthostHost: String
    public var smarthostPort: UInt16
    public var from: String
    /// Never empty; one `RCPT` each.
    public var to: [String]
    public var tls: SMTPTLSMode
    /// Set together with `password` or not at all.
    public var username: String?
    public var password: String?
    /// The name given in `EHLO`; nil lets the SMTP client choose.
    public var hello: String?
    /// Whether `AUTH` may be sent over a connection without TLS.
    public var allowPlaintextAuth: Bool
    public var timeout: Duration
    /// When more than this many transitions wait, they go out as one digest email; 0: never.
    public var digestAfter: Int = 10
    /// While a burst lasts, the least time between two digests of this sink: what arrives
    /// meanwhile waits for the next one.
    public var digestInterval: Duration = .seconds(60)

    public init(
        smarthostHost: String,
        smarthostPort: UInt16,
        from: String,
        to: [String],
        tls: SMTPTLSMode = .starttls,
        username: String? = nil,
        password: String? = nil,
        hello: String? = nil,
        allowPlaintextAuth: Bool = false,
        timeout: Duration = .seconds(30)
    ) {
        self.smarthostHost = smarthostHost
        self.smarthostPort = smarthostPort
        self.from = from
        self.to = to
        self.tls = tls
        self.username = username
        self.password = password
        self.hello = hello
        self.allowPlaintextAuth = allowPlaintextAuth
        self.timeout = timeout
    }
}

