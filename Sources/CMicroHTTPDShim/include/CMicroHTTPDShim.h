#ifndef STATUSHOOK_CMICROHTTPDSHIM_H
#define STATUSHOOK_CMICROHTTPDSHIM_H
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

/// What `shk_mhd_start` passes to the variadic `MHD_start_daemon`, which Swift cannot call.
struct shk_mhd_config {
    /// Numeric IPv4 or IPv6 address to bind ("127.0.0.1", "::1"); NULL binds every IPv4 address.
    const char *bind_address;
    uint16_t port;
    unsigned int thread_pool_size;
    unsigned int connection_limit;
    unsigned int per_ip_connection_limit;
    /// Seconds of inactivity after which MHD closes a connection (slow clients).
    unsigned int connection_timeout;
    /// Bytes per connection for headers and buffers; bounds header size.
    size_t connection_memory_limit;
    MHD_AccessHandlerCallback handler;
    void *handler_context;
    MHD_RequestCompletedCallback completed;
    void *completed_context;
    /// Called with the request target exactly as received (path and query, undecoded).
    void *(*uri_log)(void *context, const char *uri, struct MHD_Connection *connection);
    void *uri_log_context;
    /// Called when a connection is accepted and when it is closed (before its socket is).
    MHD_NotifyConnectionCallback notify_connection;
    void *notify_connection_context;
};

/// Starts an epoll daemon with an internal thread pool, suspend/resume allowed, and the
/// URL left undecoded. Returns NULL (with `error` set to a static message) on failure.
struct MHD_Daemon *shk_mhd_start(const struct shk_mhd_config *config, const char **error);

/// The port the daemon actually bound (useful when 0 was asked for).
uint16_t shk_mhd_bound_port(struct MHD_Daemon *daemon);

/// The numeric peer address of a connection ("127.0.0.1", "::1"), written into `buffer`.
int shk_mhd_peer_address(struct MHD_Connection *connection, char *buffer, size_t size);

/// The socket of a connection, or -1.
int shk_mhd_connection_fd(struct MHD_Connection *connection);

/// Bytes of the request line and headers of the request being served, through the blank line.
size_t shk_mhd_request_header_size(struct MHD_Connection *connection);

#endif
