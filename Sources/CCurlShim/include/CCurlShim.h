#ifndef STATUSHOOK_CCURLSHIM_H
#define STATUSHOOK_CCURLSHIM_H
#include <curl/curl.h>
#endif
