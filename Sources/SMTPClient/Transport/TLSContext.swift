import COpenSSL
import COpenSSLShim

/// An OpenSSL client context: the system's trusted CAs (which honours `SSL_CERT_FILE`), peer
/// verification, TLS 1.2 or later. One per `SMTPClient`, reused for every connection.
final class TLSContext {
    let pointer: OpaquePointer

    init(additionalTrustedCertificatesFile: String?) throws(SMTPError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSSession.failure("cannot create a TLS context")
        }
        pointer = context
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        _ = shk_SSL_CTX_set_mode(context, shk_SSL_MODE_nonblocking_client())
        guard shk_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1,
            SSL_CTX_set_default_verify_paths(context) == 1
        else {
            throw TLSSession.failure("cannot set up the TLS context")
        }
        if let file = additionalTrustedCertificatesFile, SSL_CTX_load_verify_locations(context, file, nil) != 1 {
            throw TLSSession.failure("cannot load the trusted certificates in \(file)")
        }
    }

    deinit {
        SSL_CTX_free(pointer)
    }
}
