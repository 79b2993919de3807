#include "COpenSSLShim.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/bio.h>

int shk_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

long shk_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

int shk_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

long shk_SSL_MODE_nonblocking_client(void) {
    return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
}

// ---- a socket BIO without SIGPIPE ----------------------------------------------------------
// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE on a closed connection.

static int retryable(int error) {
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

static int socket_fd(BIO *bio) {
    return (int)(intptr_t)BIO_get_data(bio);
}

static int nosigpipe_write(BIO *bio, const char *data, int length) {
    BIO_clear_retry_flags(bio);
    ssize_t written = send(socket_fd(bio), data, (size_t)length, MSG_NOSIGNAL);
    if (written < 0 && retryable(errno)) {
        BIO_set_retry_write(bio);
    }
    return (int)written;
}

static int nosigpipe_read(BIO *bio, char *buffer, int length) {
    BIO_clear_retry_flags(bio);
    ssize_t received = recv(socket_fd(bio), buffer, (size_t)length, 0);
    if (received < 0 && retryable(errno)) {
        BIO_set_retry_read(bio);
    }
    return (int)received;
}

static long nosigpipe_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio; (void)number; (void)pointer;
    // Writes go straight to the socket, so there is nothing to flush; every other control
    // (kTLS, peeking at the fd, …) is answered "not supported".
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

static int nosigpipe_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

static BIO_METHOD *nosigpipe_method = NULL;
static pthread_once_t nosigpipe_once = PTHREAD_ONCE_INIT;

static void nosigpipe_make_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                      "statushook socket without SIGPIPE");
    if (method == NULL) {
        return;
    }
    BIO_meth_set_write(method, nosigpipe_write);
    BIO_meth_set_read(method, nosigpipe_read);
    BIO_meth_set_ctrl(method, nosigpipe_ctrl);
    BIO_meth_set_create(method, nosigpipe_create);
    nosigpipe_method = method;
}

int shk_SSL_set_socket_without_sigpipe(SSL *ssl, int fd) {
    pthread_once(&nosigpipe_once, nosigpipe_make_method);
    if (nosigpipe_method == NULL) {
        return 0;
    }
    BIO *bio = BIO_new(nosigpipe_method);
    if (bio == NULL) {
        return 0;
    }
    BIO_set_data(bio, (void *)(intptr_t)fd);
    SSL_set_bio(ssl, bio, bio);
    return 1;
}
