#ifndef STATUSHOOK_CCURLSHIM_H
#define STATUSHOOK_CCURLSHIM_H
#include <stddef.h>
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, so Swift cannot call them: one typed
// wrapper per kind of argument. Each returns libcurl's own result code.

/// `curl_global_init(CURL_GLOBAL_DEFAULT)`, run once per process whichever thread asks first;
/// every call returns the result of that one run.
CURLcode shk_curl_global_init_once(void);

CURLcode shk_curl_setopt_long(CURL *curl, CURLoption option, long value);
/// libcurl copies strings passed this way (since 7.17.0), so `value` may be freed afterwards.
CURLcode shk_curl_setopt_string(CURL *curl, CURLoption option, const char *value);
/// For data pointers (`CURLOPT_WRITEDATA`, `CURLOPT_ERRORBUFFER`, …) that libcurl keeps.
CURLcode shk_curl_setopt_pointer(CURL *curl, CURLoption option, void *value);
CURLcode shk_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *list);
/// For `CURLOPT_WRITEFUNCTION` and `CURLOPT_HEADERFUNCTION`, which share this signature.
CURLcode shk_curl_setopt_write_function(CURL *curl, CURLoption option, curl_write_callback function);

/// Makes the request a POST of `length` bytes at `body` (copied by libcurl; NULL when empty).
CURLcode shk_curl_set_post_body(CURL *curl, const void *body, size_t length);

/// Allows only http and https, for the request and for any redirect: `CURLOPT_PROTOCOLS_STR`
/// where libcurl has it (7.85.0 and later), the older bitmask otherwise.
CURLcode shk_curl_allow_only_http(CURL *curl);

CURLcode shk_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);

/// `CURL_ERROR_SIZE`: the size of the buffer `CURLOPT_ERRORBUFFER` points at.
static const size_t shk_curl_error_size = CURL_ERROR_SIZE;

#endif
