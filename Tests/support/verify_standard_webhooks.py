#!/usr/bin/env python3
"""Verifies a Standard Webhooks request with code that is not statushook's.

Reads {"secrets": ["whsec_…", …], "headers": {name: value}, "body": base64} on stdin and prints,
per secret, "ok" or "bad: <why>", space-separated. By default it checks with the standard library
(hmac, base64), following the spec; with --library, with the official `standardwebhooks` package
(its Webhook.verify, which also requires the timestamp to be within five minutes of now).
"""
import base64
import hashlib
import hmac
import json
import sys


def verify_stdlib(secret, headers, body):
    headers = {k.lower(): v for k, v in headers.items()}
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    key = base64.b64decode(secret[len("whsec_"):] + "==")
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    entries = headers["webhook-signature"].split(" ")
    return "ok" if any(hmac.compare_digest(expected, e) for e in entries) else "bad: no matching signature"


def verify_library(secret, headers, body):
    from standardwebhooks import Webhook, WebhookVerificationError

    try:
        Webhook(secret).verify(body, headers)
        return "ok"
    except WebhookVerificationError as error:
        return f"bad: {error}"


def main():
    request = json.load(sys.stdin)
    body = base64.b64decode(request["body"])
    check = verify_library if "--library" in sys.argv[1:] else verify_stdlib
    print(" ".join(check(secret, request["headers"], body) for secret in request["secrets"]))


if __name__ == "__main__":
    main()
