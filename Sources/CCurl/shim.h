#ifndef STATUSHOOK_CCURL_H
#define STATUSHOOK_CCURL_H
#include <curl/curl.h>
#endif
