/// How the connection to the server is secured.
public enum SMTPTLSMode: String, Sendable, CaseIterable {
    /// Plaintext connect, then `STARTTLS` before anything else; a server that does not offer it
    /// is a permanent error (never a silent fallback to plaintext).
    case starttls
    /// TLS from the first byte (submissions port 465).
    case implicit
    /// No TLS at all.
    case none
}

/// A user name and password for `AUTH PLAIN` or `AUTH LOGIN`.
///
/// Printing, debug-printing or dumping it (alone or inside `SMTPSettings`) shows the user name
/// only.
public struct SMTPCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "\(username) (password hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["username": username]) }
}

/// Where and how to reach one SMTP server.
public struct SMTPSettings: Sendable {
    public var host: String
    public var port: Int
    public var tls: SMTPTLSMode
    /// nil: no `AUTH`.
    public var credentials: SMTPCredentials?
    /// The name sent with `EHLO`: the client's own host name, or an address literal `[192.0.2.1]`.
    public var hello: String
    /// Lets credentials travel without TLS (`tls = none`); refused otherwise.
    public var allowPlaintextAuth: Bool
    /// The bound on connecting, on the TLS handshake and on each command and its reply (name
    /// resolution keeps the system resolver's own timeouts).
    public var timeout: Duration
    /// A session unused for this long is closed instead of reused (servers drop idle clients).
    public var idleTimeout: Duration
    /// A PEM bundle trusted besides the system's; tests use it for their own CA without
    /// touching the process environment. Production relies on the system store (and
    /// `SSL_CERT_FILE`, which OpenSSL honours).
    var additionalTrustedCertificatesFile: String?

    public init(
        host: String,
        port: Int? = nil,
        tls: SMTPTLSMode = .starttls,
        credentials: SMTPCredentials? = nil,
        hello: String = "localhost",
        allowPlaintextAuth: Bool = false,
        timeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(15)
    ) {
        self.host = host
        self.port = port ?? Self.defaultPort(for: tls)
        self.tls = tls
        self.credentials = credentials
        self.hello = hello
        self.allowPlaintextAuth = allowPlaintextAuth
        self.timeout = timeout
        self.idleTimeout = idleTimeout
    }

    /// 587 (submission) for STARTTLS, 465 (submissions) for implicit TLS, 25 without TLS.
    public static func defaultPort(for tls: SMTPTLSMode) -> Int {
        switch tls {
        case .starttls: 587
        case .implicit: 465
        case .none: 25
        }
    }

    /// `host:port`, for messages.
    var server: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
