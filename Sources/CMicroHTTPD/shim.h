#ifndef STATUSHOOK_CMICROHTTPD_H
#define STATUSHOOK_CMICROHTTPD_H
#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>
#include <microhttpd.h>
#endif
