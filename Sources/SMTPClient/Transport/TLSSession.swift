import COpenSSL
import COpenSSLShim
import Foundation

/// One TLS connection over a non-blocking socket the caller owns and polls.
final class TLSSession {
    /// What a non-blocking TLS call achieved.
    enum Progress {
        case done(Int)
        case wantRead
        case wantWrite
    }

    enum HandshakeProgress {
        case done, wantRead, wantWrite
    }

    private let ssl: OpaquePointer
    private let host: String
    private let server: String

    /// Verifies the certificate against `host` (a name, with SNI, or an IP address).
    init(context: TLSContext, descriptor: Int32, host: String, server: String) throws(SMTPError) {
        guard let ssl = SSL_new(context.pointer) else { throw Self.failure("cannot create a TLS session") }
        self.ssl = ssl
        self.host = host
        self.server = server
        let configured: Bool
        if Self.isIPAddress(host) {
            configured = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
        } else {
            configured = shk_SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1
        }
        guard configured, shk_SSL_set_socket_without_sigpipe(ssl, descriptor) == 1 else {
            throw Self.failure("cannot set up TLS for \(host)")
        }
    }

    deinit {
        SSL_free(ssl)
    }

    func handshake() throws(SMTPError) -> HandshakeProgress {
        ERR_clear_error()
        let result = SSL_connect(ssl)
        if result == 1 { return .done }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            let verification = SSL_get_verify_result(ssl)
            if verification != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verification))
                // Transient, as for a webhook: the usual cause is a certificate that expired or
                // lost its chain, and a renewal ends it; the retry schedule and the sink's pause
                // tell the operator meanwhile. Nothing is sent over the connection either way.
                throw SMTPError(.certificateRejected, transient: true,
                                message: "the TLS certificate of \(server) does not verify for \(host): \(reason)")
            }
            throw SMTPError(.tlsFailed, transient: true,
                            message: "the TLS handshake with \(server) failed: \(Self.openSSLErrors())")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SMTPError) -> Progress {
        ERR_clear_error()
        var written = 0
        let result = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written)
        return try progress(result, count: written, doing: "sending")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SMTPError) -> Progress {
        ERR_clear_error()
        var count = 0
        let result = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count)
        return try progress(result, count: count, doing: "receiving")
    }

    /// Sends close_notify without waiting for the server's.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    private func progress(_ result: Int32, count: Int, doing: String) throws(SMTPError) -> Progress {
        if result == 1 { return .done(count) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            throw SMTPError(.connectionClosed, transient: true, message: "\(server) closed the connection")
        case SSL_ERROR_SYSCALL:
            let reason = errno == 0 ? "the connection was closed" : String(cString: strerror(errno))
            throw SMTPError(.connectionClosed, transient: true,
                            message: "the connection to \(server) broke while \(doing): \(reason)")
        default:
            throw SMTPError(.connectionClosed, transient: true,
                            message: "TLS failed while \(doing) with \(server): \(Self.openSSLErrors())")
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var storage = in6_addr()
        return inet_pton(AF_INET, host, &storage) == 1 || inet_pton(AF_INET6, host, &storage) == 1
    }

    /// OpenSSL's queued errors, oldest first, emptied.
    static func openSSLErrors() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }

    static func failure(_ what: String) -> SMTPError {
        SMTPError(.tlsFailed, transient: true, message: "\(what): \(openSSLErrors())")
    }
}
