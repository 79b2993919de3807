#ifndef STATUSHOOK_COPENSSLSHIM_H
#define STATUSHOOK_COPENSSLSHIM_H
#include <openssl/ssl.h>

// OpenSSL spells these as macros over SSL_ctrl/SSL_CTX_ctrl, which Swift cannot call: one
// function per macro. Each returns what the macro returns.

int shk_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
long shk_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
int shk_SSL_set_tlsext_host_name(SSL *ssl, const char *name);

/// The modes a client on a non-blocking socket wants: partial writes, and retrying a write
/// with the same bytes at another address (Swift arrays may move between attempts).
long shk_SSL_MODE_nonblocking_client(void);

/// Connects `ssl` to the socket `fd` through a BIO that writes with `send(…, MSG_NOSIGNAL)`,
/// so that a peer closing the connection gives EPIPE rather than a process-killing SIGPIPE.
/// The BIO does not close `fd`. Returns 1 on success, 0 on failure.
int shk_SSL_set_socket_without_sigpipe(SSL *ssl, int fd);

#endif
