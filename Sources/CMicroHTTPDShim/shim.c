#include "CMicroHTTPDShim.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/// Leaves the URL as received: the signature is computed over the raw bytes.
static size_t shk_no_unescape(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls; (void)c;
    return strlen(s);
}

struct MHD_Daemon *shk_mhd_start(const struct shk_mhd_config *config, const char **error) {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    const struct sockaddr *address = NULL;
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;

    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    if (config->bind_address != NULL && strchr(config->bind_address, ':') != NULL) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(config->port);
        if (inet_pton(AF_INET6, config->bind_address, &v6.sin6_addr) != 1) {
            *error = "listen address is not a numeric IPv6 address";
            return NULL;
        }
        address = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(config->port);
        v4.sin_addr.s_addr = htonl(INADDR_ANY);
        if (config->bind_address != NULL && inet_pton(AF_INET, config->bind_address, &v4.sin_addr) != 1) {
            *error = "listen address is not a numeric IPv4 address";
            return NULL;
        }
        address = (const struct sockaddr *)&v4;
    }

    struct MHD_OptionItem options[] = {
        { MHD_OPTION_SOCK_ADDR, 0, (void *)address },
        { MHD_OPTION_THREAD_POOL_SIZE, config->thread_pool_size, NULL },
        { MHD_OPTION_CONNECTION_LIMIT, config->connection_limit, NULL },
        { MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->per_ip_connection_limit, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, config->connection_timeout, NULL },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)config->connection_memory_limit, NULL },
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)config->completed, config->completed_context },
        { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)config->uri_log, config->uri_log_context },
        { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)config->notify_connection, config->notify_connection_context },
        { MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)shk_no_unescape, NULL },
        { MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_Daemon *daemon = MHD_start_daemon(flags, config->port, NULL, NULL,
                                                 config->handler, config->handler_context,
                                                 MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    if (daemon == NULL) *error = "MHD_start_daemon failed (address in use, or a bad option)";
    return daemon;
}

uint16_t shk_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

int shk_mhd_peer_address(struct MHD_Connection *connection, char *buffer, size_t size) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) return -1;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return inet_ntop(AF_INET, &in->sin_addr, buffer, (socklen_t)size) ? 0 : -1;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            return inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buffer, (socklen_t)size) ? 0 : -1;
        return inet_ntop(AF_INET6, &in6->sin6_addr, buffer, (socklen_t)size) ? 0 : -1;
    }
    return -1;
}

int shk_mhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

size_t shk_mhd_request_header_size(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return info == NULL ? 0 : info->header_size;
}
