#!/usr/bin/env python3
"""Writes the seed corpora under Tests/Fuzz/corpus/ (committed; rerun after changing this file).

Seeds are small and meaningful: Twilio-like callback bodies, the configuration example, the
signature vectors from Twilio's helper libraries, page tokens as the daemon writes them.
"""
import base64
import hashlib
import hmac
import json
import os
import pathlib
import shutil
import sys
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VECTORS = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "Tests" / "Fixtures" / "twilio-signature-vectors.json"

BU = "BU" + "0123456789abcdef" * 2
AC = "AC" + "fedcba9876543210" * 2


def write(target, name, data):
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def form_seeds():
    seeds = {
        "approved": f"AccountSid={AC}&BundleSid={BU}&Status=twilio-approved",
        "documented": f"AccountSID={AC}&BundleSID={BU}&Status=twilio-rejected&FailureReason=Business+name+mismatch",
        "both-accounts": f"AccountSid={AC}&AccountSID=&BundleSID={BU}&Status=pending-review",
        "rejected-reason": f"AccountSid={AC}&BundleSid={BU}&Status=twilio-rejected&FailureReason=Business+name+doesn%E2%80%99t+match",
        "customer-profile": f"CustomerProfileSid={BU}&Status=pending-review&FailureReason=",
        "trust-product": f"TrustProductSid={BU}&Status=in-review",
        "empty-sid-fallback": f"CustomerProfileSid=&BundleSid={BU}&Status=draft",
        "repeated": f"BundleSid={BU}&Status=twilio-approved&Tag=a&Tag=b&Tag=a",
        "unknown-status": f"ResourceSid={BU}&Status=brand-new-status",
        "malformed-escape": f"BundleSid={BU}&Status=draft&Note=100%&x=%4",
        "not-utf8": f"BundleSid={BU}&Status=draft&Note=%FF%FE",
        "nul": f"BundleSid={BU}&Status=draft&Note=a%00b",
        "empty-segments": f"&&BundleSid={BU}&&Status=draft&=&novalue&",
        "bad-sid": "BundleSid=BUnothex&Status=Approved",
        "control-chars": f"BundleSid={BU}&Status=draft%0Aforged&AccountSid=AC%1B%5B31m",
        "combining": "n%CC%83=1&%C3%B1=2&BundleSid=" + BU + "&Status=x",
        "empty": "",
    }
    for name, body in seeds.items():
        write("form", name, body)


def json_seeds(vectors):
    seeds = {
        "approved": json.dumps({"AccountSid": AC, "BundleSid": BU, "Status": "twilio-approved"}),
        "documented": json.dumps({"AccountSID": AC, "BundleSID": BU, "Status": "pending-review"}),
        "lowercase-status": json.dumps({"BundleSid": BU, "status": "in-review", "FailureReason": None}),
        "reason-object": json.dumps({"BundleSid": BU, "Status": "twilio-rejected", "FailureReason": {"code": 2, "details": ["a", 1.5e3]}}),
        "repeated-key": '{"BundleSid": "BUxx", "BundleSid": "' + BU + '", "Status": "draft"}',
        "twilio-vector": vectors["body_json"],
        "empty-object": "{}",
        "escapes": r'{"s": "\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": [-0, 0.5, -1.25e+10, 1E-3, 123456789012345678901234567890]}',
        "lone-surrogate": r'{"s": "\ud800"}',
        "nul-escape": r'{"s": "a\u0000b"}',
        "literals": " [true, false, null, {\"a\": []}]\n",
        "deep-64": "[" * 64 + "]" * 64,
        "deep-65": "[" * 65 + "]" * 65,
        "trailing-comma": '{"a": 1,}',
        "number-edge": "[1e400, -0.0e-0, 0, 1.0]",
        "utf8-raw": '{"Status": "caf\u00e9 \u2028"}'.encode("utf-8").decode("utf-8"),
    }
    for name, body in seeds.items():
        write("json", name, body)


def signature_seeds(vectors):
    for index, vector in enumerate(vectors["vectors"]):
        if vector["params"]:
            body = urllib.parse.urlencode([tuple(pair) for pair in vector["params"]])
        elif "bodySHA256" in vector["url"]:
            body = vectors["body_json"] if vector["url"].endswith(vectors["body_sha256"]) else "{}"
        else:
            body = ""
        seed = "\n".join([vector["url"], vector["auth_token"], vector["expected"], body])
        write("signature", f"vector-{index:02d}", seed)
    write("signature", "callback", "\n".join([
        "https://u:p@hooks.example.com:8443/callbacks/twilio?a=%27b%27&c=d+e",
        "0123456789abcdef0123456789abcdef",
        "  not-a-signature=  ",
        f"AccountSid={AC}&BundleSid={BU}&Status=twilio-approved",
    ]))
    write("signature", "ipv6", "\n".join(["http://[::1]:80/x?bodySHA256=abc#frag", "t", "", "{}"]))


def config_seeds():
    example = (ROOT / "config" / "statushook.conf.example").read_text()
    write("config", "example", example)
    minimal = "database_url = postgres://localhost/statushook\nauth_token = 0123456789abcdef\n"
    write("config", "minimal", minimal)
    write("config", "crlf-bom", "\ufeff" + minimal.replace("\n", "\r\n") + "# comment\r\n  \t\r\n")
    write("config", "env", minimal.encode() + b"\0STATUSHOOK_LOG_LEVEL=debug\nSTATUSHOOK_SINK_MAIL_PASSWORD=x\nSTATUSHOOK_AUTH_TOKEN=\n")
    write("config", "sinks", minimal + "\n".join([
        "sink.mail.type = smtp", "sink.mail.smarthost = smtp.example.com:587", "sink.mail.password_file = /run/pw",
        "sink.mail.from = statushook@example.com", "sink.mail.to = a@example.com, b@example.com",
        "sink.mail.tls = starttls", "sink.mail.statuses = twilio-approved, twilio-rejected",
        "sink.hook.type = webhook", "sink.hook.url = https://example.com/hook",
        "sink.hook.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "sink.log.type = log", "",
    ]))
    write("config", "files-and-errors", "\n".join([
        "database_url_file = /run/secrets/db", "auth_token_file = /missing/token", "history_password_file = /empty",
        "history_username = admin", "auth_tokn = x", "listen = [::1]:99999", "retry_schedule = 5s, , 2h",
        "max_body_bytes = 64KiB", "trusted_proxies = 10.0.0.0/33, ::1", "just a pasted secret", "= value",
        f"account.{AC}.auth_token = abc", f"account.{AC.upper()}.auth_token_previous = def", "auth_token = a#b=c", "",
    ]))


def page_token_seeds():
    key = hashlib.sha256(b"statushook page token\nhistory\ns3cret").digest()

    def token(prefix, payload):
        mac = hmac.new(key, prefix.encode() + payload.encode(), hashlib.sha256).digest()[:12]
        return prefix + base64.urlsafe_b64encode(payload.encode() + mac).decode().rstrip("=")

    write("pagetoken", "profile-after", token("PA", f"p|{BU}"))
    write("pagetoken", "delivery-before", token("PB", "d|42"))
    write("pagetoken", "transition", token("PA", "t|2026-11-23T01:02:03.456789Z|7"))
    write("pagetoken", "bad-mac", token("PA", "d|42")[:-2] + "AA")
    write("pagetoken", "twilio-style", "PA" + BU)
    write("pagetoken", "padding", token("PB", "d|1") + "==")


def main():
    vectors = json.loads(VECTORS.read_text())
    shutil.rmtree(HERE / "corpus", ignore_errors=True)
    form_seeds()
    json_seeds(vectors)
    signature_seeds(vectors)
    config_seeds()
    page_token_seeds()


if __name__ == "__main__":
    main()
