import CCurl
import CCurlShim

/// Why an exchange produced no HTTP response.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The families a caller decides on; `message` says what happened for the people reading logs.
    public enum Kind: String, Sendable {
        /// The whole exchange, connect included, took longer than the caller allowed.
        case timeout
        /// No connection: refused, unreachable, or a host name that does not resolve.
        case connect
        /// The TLS handshake failed or the peer's certificate was not trusted for that host.
        case tls
        /// The exchange broke after connecting: a reset, a response cut short, no reply or one
        /// that is not HTTP.
        case network
        /// Anything else: a malformed URL or header, a protocol other than http(s), a broken reply.
        case other
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String {
        "\(kind.rawValue): \(message)"
    }
}

extension HTTPClientError.Kind {
    /// The family of a libcurl result other than `CURLE_OK`.
    init(curlCode code: CURLcode) {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
             CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            self = .tls
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY,
             CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR:
            self = .network
        default:
            self = .other
        }
    }
}
