"""The history API's CustomerProfile and TrustProduct answers against Twilio's published OpenAPI
description of TrustHub v1 (twilio_trusthub_v1.json in twilio/twilio-oai): every
property present with its JSON type and nullability, `date-time` strings in Twilio's form,
absolute URLs, the resource's own `links`, and the list's `meta`. The schema is written once, as
a table (SCHEMA), and checked by one helper for both resources and both answers (a list's item
and a fetch).

The TrustHub API that fills the enriched resources here is a local fake
(Tests/support/fake_trusthub.py) standing in for Twilio's, which cannot run here.
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from datetime import datetime

from harness import CALLBACK_PATH, assert_recorded, new_sid, wait_until
from test_history_api import HISTORY, get
from trusthub_peer import ACCOUNT_SID, profile, trust_product, trusthub_config

STATUSES = ("draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# Twilio's trusthub.v1.customer_profile and trusthub.v1.trust_product: the same properties.
# name -> (JSON type, nullable, format); the formats are checked by FORMATS below.
SCHEMA = {
    "sid":             ("string", False, "sid:BU"),
    "account_sid":     ("string", True, "sid:AC"),
    "policy_sid":      ("string", True, "sid:RN"),
    "friendly_name":   ("string", True, None),
    "status":          ("string", False, "status"),
    "valid_until":     ("string", True, "date-time"),
    "email":           ("string", True, None),
    "status_callback": ("string", True, "uri"),
    "date_created":    ("string", True, "date-time"),
    "date_updated":    ("string", True, "date-time"),
    "url":             ("string", False, "uri"),
    "links":           ("object", False, "uri-map"),
    "errors":          ("array", True, "errors"),
}
JSON_TYPES = {"string": str, "object": dict, "array": list}

# Each resource's own `links` (Twilio's), and statushook's one addition.
LINKS = {
    "CustomerProfiles": {"customer_profiles_entity_assignments", "customer_profiles_evaluations",
                         "customer_profiles_channel_endpoint_assignment"},
    "TrustProducts": {"trust_products_entity_assignments", "trust_products_evaluations",
                      "trust_products_channel_endpoint_assignment"},
}
OURS = {"transitions"}

META = {"page": int, "page_size": int, "first_page_url": str, "previous_page_url": (str, type(None)),
        "url": str, "next_page_url": (str, type(None)), "key": str}


def is_absolute_url(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_date_time(value) -> bool:
    if not isinstance(value, str) or not DATE_TIME.match(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


FORMATS = {
    "sid:BU": lambda v: re.fullmatch(r"BU[0-9a-fA-F]{32}", v) is not None,
    "sid:AC": lambda v: re.fullmatch(r"AC[0-9a-fA-F]{32}", v) is not None,
    "sid:RN": lambda v: re.fullmatch(r"RN[0-9a-fA-F]{32}", v) is not None,
    "status": lambda v: v in STATUSES,
    "date-time": is_date_time,
    "uri": is_absolute_url,
    "uri-map": lambda v: all(isinstance(k, str) and is_absolute_url(u) for k, u in v.items()),
    "errors": lambda v: all(isinstance(e, dict) for e in v),
}


def violations(resource, collection: str, base: str) -> list[str]:
    """What in `resource` breaks SCHEMA, or the resource URL and links of /v1/{collection}."""
    if not isinstance(resource, dict):
        return [f"not an object: {resource!r}"]
    found = []
    if set(resource) != set(SCHEMA):
        found.append(f"properties: missing {sorted(set(SCHEMA) - set(resource))}, "
                     f"not Twilio's {sorted(set(resource) - set(SCHEMA))}")
    for name, (json_type, nullable, fmt) in SCHEMA.items():
        if name not in resource:
            continue
        value = resource[name]
        if value is None:
            if not nullable:
                found.append(f"{name} is null")
            continue
        if not isinstance(value, JSON_TYPES[json_type]) or isinstance(value, bool):
            found.append(f"{name} is not a JSON {json_type}: {value!r}")
        elif fmt is not None and not FORMATS[fmt](value):
            found.append(f"{name} is not in the {fmt} format: {value!r}")
    sid = resource.get("sid")
    url = f"{base}/v1/{collection}/{sid}"
    if resource.get("url") != url:
        found.append(f"url {resource.get('url')!r}, not {url!r}")
    links = resource.get("links")
    if isinstance(links, dict):
        if set(links) != LINKS[collection] | OURS:
            found.append(f"links {sorted(links)}, not {sorted(LINKS[collection] | OURS)}")
        found += [f"links.{k} {v!r} is not under {url}/" for k, v in links.items()
                  if not (isinstance(v, str) and v.startswith(url + "/"))]
    return found


def assert_conforms(resource, collection: str, base: str) -> dict:
    problems = violations(resource, collection, base)
    assert problems == [], f"/v1/{collection} resource breaks Twilio's schema: {problems}\n{resource}"
    return resource


def assert_meta_conforms(meta, collection: str, base: str) -> dict:
    """A list's meta: every field with its type, absolute URLs of this list, key "results"."""
    assert isinstance(meta, dict) and set(meta) == set(META), f"meta fields {sorted(meta)}"
    for name, types in META.items():
        assert isinstance(meta[name], types) and not isinstance(meta[name], bool), f"meta.{name} = {meta[name]!r}"
    assert meta["key"] == "results", meta
    assert meta["page"] >= 0 and 1 <= meta["page_size"] <= 1000, meta
    for name in ("first_page_url", "url", "previous_page_url", "next_page_url"):
        value = meta[name]
        if value is not None:
            assert is_absolute_url(value), f"meta.{name} is not an absolute URL: {value!r}"
            assert value.startswith(f"{base}/v1/{collection}?"), f"meta.{name} {value!r} is not /v1/{collection}'s"
    return meta


def both_answers(daemon, collection: str, sid: str, base: str) -> list[dict]:
    """The resource as its list holds it and as its fetch answers it, each checked."""
    page = get(daemon, f"/v1/{collection}", {"PageSize": "1000"}).json()
    assert_meta_conforms(page["meta"], collection, base)
    [item] = [r for r in page["results"] if isinstance(r, dict) and r.get("sid") == sid] or [None]
    assert item is not None, f"{sid} is not in /v1/{collection}: {page}"
    r = get(daemon, f"/v1/{collection}/{sid}")
    assert r.status_code == 200, r.text
    fetched = r.json()
    return [assert_conforms(item, collection, base), assert_conforms(fetched, collection, base)]


def record(daemon, name: str, sid: str, status: str, signed_url: str | None = None) -> None:
    """A signed callback naming the SID with parameter `name`, which must be recorded."""
    headers = {"I-Twilio-Idempotency-Token": secrets.token_hex(12)}
    r = daemon.post_form([(name, sid), ("Status", status)], headers=headers, signed_url=signed_url)
    assert_recorded(r, sid, status)


# ---- the checker itself -------------------------------------------------------------------


def test_the_schema_check_finds_what_breaks_it():
    """The helper must be able to fail: a conforming resource passes, each kind of break is caught."""
    base, sid = "https://hooks.example.com", new_sid()
    url = f"{base}/v1/TrustProducts/{sid}"
    good = {"sid": sid, "account_sid": None, "policy_sid": None, "friendly_name": None, "status": "draft",
            "valid_until": None, "email": None, "status_callback": None, "date_created": "2026-01-02T03:04:05Z",
            "date_updated": None, "url": url, "links": {k: f"{url}/{k}" for k in LINKS["TrustProducts"] | OURS},
            "errors": None}
    assert violations(good, "TrustProducts", base) == []
    assert violations(good, "CustomerProfiles", base) != []  # another resource's url and links
    for change in ({"errors": {"code": 18601}}, {"status": None}, {"date_created": "2026-01-02T03:04:05.000Z"},
                   {"valid_until": "2026-02-30T00:00:00Z"}, {"url": f"/v1/TrustProducts/{sid}"},
                   {"links": {**good["links"], "transitions": "/relative"}}, {"account_sid": 5},
                   {"status_callback": "hooks.example.com/x"}, {"friendly_name": True}, {"extra": 1}):
        assert violations({**good, **change}, "TrustProducts", base) != [], change
    missing = dict(good)
    del missing["errors"]
    assert violations(missing, "TrustProducts", base) != []


# ---- the history API's answers ------------------------------------------------------------


def test_resources_never_enriched_are_null_but_for_what_statushook_knows(start):
    daemon = start(HISTORY)  # no TrustHub API
    base = f"http://127.0.0.1:{daemon.port}"
    customer, product = new_sid(), new_sid()
    record(daemon, "CustomerProfileSid", customer, "pending-review")
    record(daemon, "TrustProductSid", product, "in-review")
    for collection, sid, status in (("CustomerProfiles", customer, "pending-review"),
                                    ("TrustProducts", product, "in-review")):
        for answer in both_answers(daemon, collection, sid, base):
            assert (answer["sid"], answer["status"]) == (sid, status), answer
            nulls = [name for name, value in answer.items() if value is None]
            assert sorted(nulls) == sorted(["account_sid", "policy_sid", "friendly_name", "valid_until", "email",
                                            "status_callback", "errors"]), answer
            assert answer["date_created"] is not None and answer["date_updated"] is not None, answer


def test_resources_fully_enriched_from_the_api_have_every_property(start, fake):
    errors = [{"code": 18601, "message": "Business name does not match the EIN"}]
    fields = dict(valid_until="2027-01-31T00:00:00Z", status_callback="https://hooks.example.com/callbacks/twilio",
                  errors=errors, date_created="2026-01-02T03:04:05Z", date_updated="2026-11-20T10:00:00Z")
    customer, product = profile("twilio-rejected", **fields), trust_product("twilio-rejected", **fields)
    fake.set_profiles(customer, product)
    daemon = start({**trusthub_config(fake, reconcile_interval="1s"), **HISTORY})
    base = f"http://127.0.0.1:{daemon.port}"

    def known(collection, sid):
        r = get(daemon, f"/v1/{collection}/{sid}")
        return r.status_code == 200 and r.json().get("friendly_name") is not None

    for collection, resource in (("CustomerProfiles", customer), ("TrustProducts", product)):
        wait_until(lambda: known(collection, resource["sid"]), 20, f"{resource['sid']} under /v1/{collection}")
        for answer in both_answers(daemon, collection, resource["sid"], base):
            assert [name for name, value in answer.items() if value is None] == [], answer
            assert {k: answer[k] for k in ("account_sid", "policy_sid", "friendly_name", "status", "valid_until",
                                            "email", "status_callback", "errors", "date_created")} == {
                "account_sid": ACCOUNT_SID, "policy_sid": resource["policy_sid"],
                "friendly_name": resource["friendly_name"], "status": "twilio-rejected",
                "valid_until": "2027-01-31T00:00:00Z", "email": resource["email"],
                "status_callback": "https://hooks.example.com/callbacks/twilio", "errors": errors,
                "date_created": "2026-01-02T03:04:05Z"}, answer


def test_errors_the_api_gave_as_an_object_are_never_served_as_one(start, fake):
    """An API answer breaking its own schema (errors an object) must not break statushook's."""
    product = trust_product("twilio-rejected", errors={"code": 18601})
    fake.set_profiles(product)
    daemon = start({**trusthub_config(fake, reconcile_interval="1s"), **HISTORY})
    base = f"http://127.0.0.1:{daemon.port}"
    wait_until(lambda: get(daemon, f"/v1/TrustProducts/{product['sid']}").status_code == 200, 20,
               "the trust product under /v1/TrustProducts")
    wait_until(lambda: get(daemon, f"/v1/TrustProducts/{product['sid']}").json()["friendly_name"], 20,
               "the API's fields stored")
    for answer in both_answers(daemon, "TrustProducts", product["sid"], base):
        assert answer["errors"] is None or isinstance(answer["errors"], list), answer


def test_list_meta_conforms_on_every_page_with_public_url(start):
    public = "https://hooks.example.com/statushook"
    daemon = start({**HISTORY, "public_url": public})
    local = f"http://127.0.0.1:{daemon.port}"
    sids = {"CustomerProfiles": sorted(new_sid() for _ in range(3)),
            "TrustProducts": sorted(new_sid() for _ in range(3))}
    signed = public + CALLBACK_PATH
    for sid in sids["CustomerProfiles"]:
        record(daemon, "CustomerProfileSid", sid, "draft", signed_url=signed)
    for sid in sids["TrustProducts"]:
        record(daemon, "TrustProductSid", sid, "draft", signed_url=signed)

    for collection, expected in sids.items():
        pages, url = [], f"/v1/{collection}?PageSize=2"
        while url:
            page = get(daemon, url).json()
            assert set(page) == {"results", "meta"}, page
            meta = assert_meta_conforms(page["meta"], collection, public)
            for item in page["results"]:
                assert_conforms(item, collection, public)
            pages.append(page)
            url = meta["next_page_url"] and local + meta["next_page_url"][len(public):]
        assert [p["meta"]["page"] for p in pages] == [0, 1], [p["meta"] for p in pages]
        assert [r["sid"] for p in pages for r in p["results"]] == expected
        first, second = pages[0]["meta"], pages[1]["meta"]
        assert first["previous_page_url"] is None and isinstance(first["next_page_url"], str), first
        assert isinstance(second["previous_page_url"], str) and second["next_page_url"] is None, second
        assert first["page_size"] == second["page_size"] == 2
        assert first["first_page_url"] == second["first_page_url"], (first, second)
