#ifndef STATUSHOOK_COPENSSLSHIM_H
#define STATUSHOOK_COPENSSLSHIM_H
#include <openssl/ssl.h>
#endif
