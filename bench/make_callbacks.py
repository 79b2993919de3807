"""Writes N unique signed TrustHub StatusCallbacks, one HTTP request a line, for bench/post.lua.

Each callback is a first callback for a fresh CustomerProfileSid, so that statushook records a
transition for every one (callback row, profile row, transition, one delivery row per sink) and
none is a duplicate. Signatures come from Twilio's own SDK (RequestValidator), for the URL
`--url` (the public_url statushook and the Flask receiver are configured with).

Line format (tab-separated): signature, idempotency token, body. The SIDs are deterministic
(from --seed and the line number), so the file can be reused across runs on fresh databases.

    python bench/make_callbacks.py --count 250000 --url https://bench.example/callbacks/twilio \
        --token TOKEN --out .local/bench/callbacks.tsv
"""

from __future__ import annotations

import argparse
import hashlib
import urllib.parse

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "b" * 32


def callback(seed: str, index: int) -> list[tuple[str, str]]:
    digest = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()
    return [
        ("AccountSid", ACCOUNT_SID),
        ("CustomerProfileSid", "BU" + digest[:32]),
        ("Status", "twilio-approved"),
        ("FriendlyName", f"Bench Profile {index}"),
        ("PolicySid", "RN806dd6cd175f314e1f96a9727ee271f4"),
        ("DateUpdated", "2026-11-23T00:00:00Z"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--url", required=True, help="the signed URL (public_url + callback path)")
    parser.add_argument("--token", required=True, help="the Twilio auth token that signs")
    parser.add_argument("--seed", default="statushook-bench")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    validator = RequestValidator(args.token)
    with open(args.out, "w", encoding="ascii") as out:
        for index in range(args.count):
            params = callback(args.seed, index)
            signature = validator.compute_signature(args.url, dict(params))
            token = hashlib.sha256(f"{args.seed}:token:{index}".encode()).hexdigest()
            body = urllib.parse.urlencode(params)
            out.write(f"{signature}\t{token}\t{body}\n")


if __name__ == "__main__":
    main()
