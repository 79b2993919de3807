#!/usr/bin/env python3
"""A local fake of Twilio's TrustHub REST API (the CustomerProfile and TrustProduct resources),
for statushook's tests (standard library only). Run as a subprocess by the integration suite
(Tests/integration/trusthub_peer.py).

Usage: fake_trusthub.py [--host H] [--port P]

Prints `READY <port>` on stdout once it listens, then serves until killed.

The API, in the documented JSON shapes (Twilio's API reference and its Python SDK 9.13,
twilio/rest/trusthub/v1/customer_profiles):
  GET  /v1/CustomerProfiles/{Sid}    the resource: sid, account_sid, policy_sid, friendly_name,
                                     status, valid_until, email, status_callback, date_created,
                                     date_updated, url, links, errors; 404 in Twilio's error shape
  GET  /v1/CustomerProfiles          {"results": [...], "meta": {page, page_size, first_page_url,
                                     previous_page_url, url, next_page_url, key}}; PageSize (1-1000,
                                     default 50), Page, PageToken (PA<last sid>); filters Status,
                                     FriendlyName, PolicySid; ordered by SID
  POST /v1/CustomerProfiles/{Sid}    update from a form body: StatusCallback, FriendlyName, Email, Status
  GET  /v1/TrustProducts/{Sid}       the same three routes for TrustProducts (twilio/rest/trusthub/
  GET  /v1/TrustProducts             v1/trust_products): the same fields, filters, paging and
  POST /v1/TrustProducts/{Sid}       meta (key "results"), url .../v1/TrustProducts/{Sid}, links
                                     trust_products_entity_assignments, trust_products_evaluations,
                                     trust_products_channel_endpoint_assignment
Both resources share the `BU` prefix, as at Twilio: each stored resource has a kind,
"customer_profile" (the default) or "trust_product", and is served under its own resource's
paths only; a SID under the other resource's paths is a 404 (code 20404), for a fetch and an
update alike, and lists hold only their own kind.
Every API request needs HTTP Basic credentials; when the test set some (/_control/auth), others
get 401 {"code": 20003, "message": "Authenticate", ...}.

Hooks for the tests (JSON in, JSON out; never counted as API requests):
  POST /_control/profiles       [{sid, status, ...}, ...]: add or replace resources (missing fields
                                get defaults; "date_updated" is set to now unless given). An item's
                                "_kind": "trust_product" makes it a TrustProduct (default
                                "customer_profile"); "_kind" is never part of an API answer
  POST /_control/patch/{Sid}    {field: value}: change a resource (date_updated set to now)
  POST /_control/auth           {"username", "password"}: the only credentials accepted
  POST /_control/script         {"answers": [{"status": 429, "retry_after": "2"}, ...],
                                 "match": a request kind (below) | "any"}: the next matching
                                API requests get these answers instead (Twilio's error shape);
                                {"delay": SECONDS} answers normally, that much later
  POST /_control/max_page_size  {"value": N}: pages hold at most N resources whatever PageSize
  GET  /_control/requests       every API request so far: {at, method, path, query, kind,
                                resource, username, password, form, status}
  POST /_control/reset          forget requests and scripts

A request's `kind` says which route it took: "list", "fetch", "update" under CustomerProfiles
(as before TrustProducts were served), "tp_list", "tp_fetch", "tp_update" under TrustProducts,
null for a path the fake does not serve. Its `resource` is "CustomerProfiles", "TrustProducts"
or null, and its `status` the answer's HTTP status (a SID of the other kind: 404).
"""

import argparse
import base64
import datetime
import json
import signal
import threading
import time
import urllib.parse
import http.server


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def twilio_error(status: int, code: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.profiles: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.scripts: list[tuple[str, dict]] = []
        self.auth: tuple[str, str] | None = None
        self.max_page_size = 1000


FIELDS = ("sid", "account_sid", "policy_sid", "friendly_name", "status", "valid_until", "email",
          "status_callback", "date_created", "date_updated", "url", "links", "errors")

# The two resources: path segment -> (the stored kind, the prefix of its request kinds, its links'
# prefix). Both share the BU prefix, fields and filters (Twilio's twilio_trusthub_v1.json).
RESOURCES = {
    "CustomerProfiles": ("customer_profile", "", "customer_profiles"),
    "TrustProducts": ("trust_product", "tp_", "trust_products"),
}
KINDS = {kind for kind, _, _ in RESOURCES.values()}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTrustHub/1.0"

    def log_message(self, fmt, *args):  # quiet: the requests are recorded
        pass

    @property
    def state(self) -> State:
        return self.server.state

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # ---- plumbing

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        body = self.body()
        if url.path.startswith("/_control/"):
            return self.control(method, url.path[len("/_control/"):], body)
        self.api(method, url, body)

    # ---- the API

    def resource(self, profile: dict, collection: str) -> dict:
        """The API's answer for a stored resource (never its internal "_kind")."""
        url = f"{self.base}/v1/{collection}/{profile['sid']}"
        links = RESOURCES[collection][2]
        out = {name: profile.get(name) for name in FIELDS}
        out["url"] = url
        out["links"] = {
            f"{links}_entity_assignments": f"{url}/EntityAssignments",
            f"{links}_evaluations": f"{url}/Evaluations",
            f"{links}_channel_endpoint_assignment": f"{url}/ChannelEndpointAssignments",
        }
        return out

    def api(self, method: str, url, body: bytes) -> None:
        parts = url.path.rstrip("/").split("/")
        kind = collection = None
        if parts[:2] == ["", "v1"] and len(parts) >= 3 and parts[2] in RESOURCES:
            prefix = RESOURCES[parts[2]][1]
            if len(parts) == 3 and method == "GET":
                kind = prefix + "list"
            elif len(parts) == 4 and method == "GET":
                kind = prefix + "fetch"
            elif len(parts) == 4 and method == "POST":
                kind = prefix + "update"
            if kind is not None:
                collection = parts[2]
        username = password = None
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            try:
                username, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                pass
        form = {k: v for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)}
        record = {"at": time.time(), "method": method, "path": url.path, "query": url.query, "kind": kind,
                  "resource": collection, "username": username, "password": password, "form": form,
                  "status": None}
        with self.state.lock:
            self.state.requests.append(record)
            scripted = None
            for i, (match, answer) in enumerate(self.state.scripts):
                if match in ("any", kind):
                    scripted = answer
                    del self.state.scripts[i]
                    break
            expected = self.state.auth
        if scripted is not None and "status" not in scripted:
            time.sleep(float(scripted.get("delay", 0)))  # a slow API: then the real answer
            scripted = None
        if scripted is not None:
            status = int(scripted["status"])
            record["status"] = status
            headers = {"Retry-After": str(scripted["retry_after"])} if "retry_after" in scripted else {}
            code = {401: 20003, 429: 20429}.get(status, 20000 + status)
            return self.answer(status, twilio_error(status, code, scripted.get("message", "scripted answer")), headers)
        if username is None or (expected is not None and (username, password) != expected):
            record["status"] = 401
            return self.answer(401, twilio_error(401, 20003, "Authenticate"),
                               {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if kind is None:
            record["status"] = 404
            return self.answer(404, twilio_error(404, 20404, f"The requested resource {url.path} was not found"))
        if kind.endswith("list"):
            status, payload = self.list_page(url, collection)
        else:
            sid = parts[3]
            with self.state.lock:
                profile = self.state.profiles.get(sid)
                if profile is not None and profile["_kind"] != RESOURCES[collection][0]:
                    profile = None  # the other resource's SID: Twilio answers 404 here
                if profile is not None and kind.endswith("update"):
                    for param, field in (("StatusCallback", "status_callback"), ("FriendlyName", "friendly_name"),
                                         ("Email", "email"), ("Status", "status")):
                        if param in form:
                            profile[field] = form[param]
                    profile["date_updated"] = now_iso()
                profile = dict(profile) if profile is not None else None
            if profile is None:
                status, payload = 404, twilio_error(404, 20404, f"The requested resource {url.path} was not found")
            else:
                status, payload = 200, self.resource(profile, collection)
        record["status"] = status
        self.answer(status, payload)

    def list_page(self, url, collection: str):
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        try:
            page_size = int(query.get("PageSize", "50"))
            page = int(query.get("Page", "0"))
        except ValueError:
            return 400, twilio_error(400, 20001, "Invalid PageSize or Page")
        if not 1 <= page_size <= 1000:
            return 400, twilio_error(400, 20001, "PageSize must be from 1 to 1000")
        size = min(page_size, self.state.max_page_size)
        with self.state.lock:
            profiles = sorted((dict(p) for p in self.state.profiles.values()
                               if p["_kind"] == RESOURCES[collection][0]), key=lambda p: p["sid"])
        for param, field in (("Status", "status"), ("FriendlyName", "friendly_name"), ("PolicySid", "policy_sid")):
            if param in query:
                profiles = [p for p in profiles if p.get(field) == query[param]]
        token = query.get("PageToken")
        if token:
            if not token.startswith("PA"):
                return 400, twilio_error(400, 20001, "Invalid PageToken")
            profiles = [p for p in profiles if p["sid"] > token[2:]]
        chosen = profiles[:size]
        more = len(profiles) > size

        def page_url(number: int, page_token: str | None) -> str:
            params = [("PageSize", str(size)), ("Page", str(number))]
            params += [(k, query[k]) for k in ("Status", "FriendlyName", "PolicySid") if k in query]
            if page_token:
                params.append(("PageToken", page_token))
            return f"{self.base}/v1/{collection}?" + urllib.parse.urlencode(params)

        meta = {
            "page": page,
            "page_size": size,
            "first_page_url": page_url(0, None),
            "previous_page_url": page_url(page - 1, None) if page > 0 else None,
            "url": page_url(page, token),
            "next_page_url": page_url(page + 1, "PA" + chosen[-1]["sid"]) if more and chosen else None,
            "key": "results",
        }
        return 200, {"results": [self.resource(p, collection) for p in chosen], "meta": meta}

    # ---- the tests' hooks

    def control(self, method: str, name: str, body: bytes) -> None:
        data = json.loads(body) if body else None
        state = self.state
        with state.lock:
            if method == "GET" and name == "requests":
                return self.answer(200, list(state.requests))
            if method != "POST":
                return self.answer(405, {"error": "POST"})
            if name == "profiles":
                for item in data:
                    if item.get("_kind", "customer_profile") not in KINDS:
                        return self.answer(400, {"error": f"_kind must be one of {sorted(KINDS)}"})
                for item in data:
                    profile = {field: None for field in FIELDS}
                    profile.update({"account_sid": "AC" + "0" * 32, "policy_sid": "RN" + "0" * 32,
                                    "date_created": now_iso(), "date_updated": now_iso(),
                                    "_kind": "customer_profile"})
                    profile.update(item)
                    state.profiles[item["sid"]] = profile
                return self.answer(200, {"profiles": len(state.profiles)})
            if name.startswith("patch/"):
                sid = name[len("patch/"):]
                if sid not in state.profiles:
                    return self.answer(404, {"error": f"no profile {sid}"})
                if data.get("_kind", state.profiles[sid]["_kind"]) not in KINDS:
                    return self.answer(400, {"error": f"_kind must be one of {sorted(KINDS)}"})
                state.profiles[sid].update(data)
                if "date_updated" not in data:
                    state.profiles[sid]["date_updated"] = now_iso()
                return self.answer(200, state.profiles[sid])
            if name == "auth":
                state.auth = (data["username"], data["password"])
                return self.answer(200, {})
            if name == "script":
                match = data.get("match", "any")
                state.scripts.extend((match, answer) for answer in data["answers"])
                return self.answer(200, {"scripted": len(state.scripts)})
            if name == "max_page_size":
                state.max_page_size = int(data["value"])
                return self.answer(200, {})
            if name == "reset":
                state.requests.clear()
                state.scripts.clear()
                return self.answer(200, {})
        self.answer(404, {"error": f"no control {name}"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address):
        super().__init__(address, Handler)
        self.state = State()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = Server((args.host, args.port))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
