"""The TrustHub API fake (Tests/support/fake_trusthub.py) as a peer of the integration suite,
and what the TrustHub tests share: profile and trust product factories and a daemon wired to
the fake."""

from __future__ import annotations

import base64
import json
import secrets
import sys
import urllib.request
from pathlib import Path

from harness import TOKEN
from peers import SUPPORT, _Peer

ACCOUNT_SID = "AC" + "1234567890abcdef" * 2
API_KEY = "SK" + "fedcba0987654321" * 2
API_SECRET = "api-secret-" + "5eb63bbbe01eeed093cb22bb8f5acdc3"


class TrustHubFake(_Peer):
    name = "TrustHub API fake"

    def __init__(self, outdir: Path):
        outdir.mkdir(parents=True, exist_ok=True)
        super().__init__([sys.executable, "-u", str(SUPPORT / "fake_trusthub.py")], outdir / "fake.log")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _control(self, name: str, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(f"{self.base}/_control/{name}", data=data,
                                         method="GET" if payload is None else "POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def set_profiles(self, *profiles: dict) -> None:
        self._control("profiles", list(profiles))

    def patch(self, sid: str, **fields) -> dict:
        return self._control(f"patch/{sid}", fields)

    def require_auth(self, username: str, password: str) -> None:
        self._control("auth", {"username": username, "password": password})

    def script(self, *answers: dict, match: str = "any") -> None:
        self._control("script", {"answers": list(answers), "match": match})

    def max_page_size(self, value: int) -> None:
        self._control("max_page_size", {"value": value})

    def requests(self, kind: str | None = None, resource: str | None = None) -> list[dict]:
        """The API requests so far; `kind`: "list", "fetch", "update" (CustomerProfiles),
        "tp_list", "tp_fetch", "tp_update" (TrustProducts); `resource`: "CustomerProfiles" or
        "TrustProducts"."""
        return [r for r in self._control("requests")
                if (kind is None or r["kind"] == kind) and (resource is None or r["resource"] == resource)]

    def listed(self, resource: str, username: str = ACCOUNT_SID, password: str = TOKEN) -> dict[str, dict]:
        """Every resource of the API's list at /v1/{resource} ("CustomerProfiles" or
        "TrustProducts"), by SID, read as a client would (every page, following next_page_url).
        These reads are API requests too: the fake records them."""
        found, url = {}, f"{self.base}/v1/{resource}?PageSize=1000"
        while url:
            request = urllib.request.Request(url)
            request.add_header("Authorization",
                               "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())
            with urllib.request.urlopen(request, timeout=10) as response:
                page = json.loads(response.read())
            found.update({r["sid"]: r for r in page[page["meta"]["key"]]})
            url = page["meta"]["next_page_url"]
        return found


def profile(status: str = "in-review", **fields) -> dict:
    """A profile for the fake: a fresh SID, Acme's name and email, and `fields`."""
    out = {"sid": "BU" + secrets.token_hex(16), "account_sid": ACCOUNT_SID, "policy_sid": "RN" + "ab" * 16,
           "friendly_name": "Acme Corp", "email": "compliance@acme.example", "status": status,
           "status_callback": None, "valid_until": None, "errors": None}
    out.update(fields)
    return out


def trust_product(status: str = "in-review", **fields) -> dict:
    """A TrustProduct for the fake (an A2P messaging profile of Acme's): a fresh SID and `fields`."""
    out = profile(status, friendly_name="Acme A2P Messaging Profile", email="messaging@acme.example",
                  policy_sid="RN" + "cd" * 16)
    out["_kind"] = "trust_product"
    out.update(fields)
    return out


def trusthub_config(fake: TrustHubFake, **extra) -> dict:
    """Config keys pointing a daemon at the fake with the account SID and auth token."""
    config = {"twilio_account_sid": ACCOUNT_SID, "twilio_api_base": fake.base}
    config.update(extra)
    return config
