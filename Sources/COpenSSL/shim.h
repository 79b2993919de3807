#ifndef STATUSHOOK_COPENSSL_H
#define STATUSHOOK_COPENSSL_H
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#endif
