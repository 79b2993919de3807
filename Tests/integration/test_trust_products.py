"""TrustProducts beside CustomerProfiles: a `BU…` SID names either, and
statushook learns which from the callback's parameter name, from the TrustHub API (enrichment
fetches /v1/CustomerProfiles/{Sid}, and on Twilio's 404 /v1/TrustProducts/{Sid}) or from the
reconciler, then serves it under its own resource, types its events and subscribes it.

The TrustHub API here is a local fake (Tests/support/fake_trusthub.py) standing in for Twilio's,
which cannot run here: it serves both resources in the shapes of Twilio's API reference and
answers 404 for a SID under the other resource's path, as Twilio does.
"""

from __future__ import annotations

import secrets
import urllib.parse

import pytest
from twilio.base.exceptions import TwilioRestException

from harness import (
    assert_recorded, delivery_for, new_sid, read_json_lines, run_cli, wait_for_delivery, wait_until,
)
from test_history_api import HISTORY, get, sdk, twilio_error
from test_trusthub import transitions
from test_trusthub_subscribe import TARGET, config_file
from trusthub_peer import ACCOUNT_SID, profile, trust_product, trusthub_config

CP_TYPE, TP_TYPE = "customer_profile.status_changed", "trust_product.status_changed"
TP_LINKS = ("trust_products_entity_assignments", "trust_products_evaluations",
            "trust_products_channel_endpoint_assignment")
API_FIELDS = ("account_sid", "policy_sid", "friendly_name", "status", "email", "status_callback", "valid_until",
              "errors")


def record(daemon, name: str, sid: str, status: str, **extra) -> int:
    """A signed callback naming the SID with parameter `name` (its own idempotency token) that
    must record a transition; returns the transition's id."""
    headers = {"I-Twilio-Idempotency-Token": secrets.token_hex(12)}
    r = daemon.post_form([(name, sid), ("Status", status), *extra.items()], headers=headers)
    return assert_recorded(r, sid, status)["transition_id"]


def listed(daemon, collection: str) -> dict[str, dict]:
    """The history API's list /v1/{collection}, every page, by SID."""
    found, url = {}, f"/v1/{collection}?PageSize=1000"
    while url:
        page = get(daemon, url).json()
        assert page["meta"]["key"] == "results", page["meta"]
        found.update({r["sid"]: r for r in page["results"]})
        url = page["meta"]["next_page_url"]
    return found


def delivered_event(db, path, transition_id: int, sink: str = "everything") -> dict:
    """The event of a transition in log sink `sink`'s file, once its delivery is done."""
    wait_for_delivery(db, delivery_for(db, transition_id, sink)["id"], states=("delivered",))
    [event] = [e for e in read_json_lines(path) if e["id"] == f"TR{transition_id}"]
    return event


def kind_of(db, sid: str):
    return db.scalar("SELECT kind FROM profiles WHERE sid = %s", sid)


def api_trail(fake, sid: str) -> list[tuple[str, str, int]]:
    """The fake's requests naming `sid`: (kind, resource, status), in order."""
    return [(r["kind"], r["resource"], r["status"]) for r in fake.requests() if r["path"].endswith("/" + sid)]


# ---- (a) enrichment finds a TrustProduct --------------------------------------------------


def test_a_bundle_sid_the_api_knows_only_as_a_trust_product_moves_under_trust_products(start, fake, db, tmp_path):
    tp = trust_product("pending-review", valid_until="2027-03-31T00:00:00Z",
                       status_callback="https://hooks.example.com/callbacks/twilio", errors=None)
    cp = profile("in-review")
    fake.set_profiles(tp, cp)
    daemon = start({**trusthub_config(fake), **HISTORY})
    log = tmp_path / "everything.log"

    first = record(daemon, "BundleSID", tp["sid"], "pending-review", AccountSID=ACCOUNT_SID)
    beside = record(daemon, "BundleSID", cp["sid"], "in-review", AccountSID=ACCOUNT_SID)
    # Enrichment runs before each delivery's attempt.
    assert delivered_event(db, log, first)["type"] in (CP_TYPE, TP_TYPE)
    assert delivered_event(db, log, beside)["type"] == CP_TYPE
    wait_until(lambda: kind_of(db, tp["sid"]) == "trust_product", 10,
               lambda: f"the kind learned; it is {kind_of(db, tp['sid'])!r}, the API saw {api_trail(fake, tp['sid'])}")
    assert kind_of(db, cp["sid"]) == "customer_profile"

    # Asked as a CustomerProfile first, Twilio's 404, then as a TrustProduct.
    assert api_trail(fake, tp["sid"]) == [("fetch", "CustomerProfiles", 404), ("tp_fetch", "TrustProducts", 200)]
    assert api_trail(fake, cp["sid"]) == [("fetch", "CustomerProfiles", 200)]

    # Served under TrustProducts with the API's fields, and no longer under CustomerProfiles.
    products = listed(daemon, "TrustProducts")
    assert list(products) == [tp["sid"]], products
    resource = products[tp["sid"]]
    assert {k: resource[k] for k in API_FIELDS} == {
        "account_sid": ACCOUNT_SID, "policy_sid": tp["policy_sid"], "friendly_name": "Acme A2P Messaging Profile",
        "status": "pending-review", "email": "messaging@acme.example",
        "status_callback": "https://hooks.example.com/callbacks/twilio", "valid_until": "2027-03-31T00:00:00Z",
        "errors": None}, resource
    url = f"http://127.0.0.1:{daemon.port}/v1/TrustProducts/{tp['sid']}"
    assert resource["url"] == url and set(resource["links"]) == {*TP_LINKS, "transitions"}, resource
    assert get(daemon, f"/v1/TrustProducts/{tp['sid']}").json() == resource
    assert list(listed(daemon, "CustomerProfiles")) == [cp["sid"]]
    assert twilio_error(get(daemon, f"/v1/CustomerProfiles/{tp['sid']}"), 404)["code"] == 20404
    assert twilio_error(get(daemon, f"/v1/TrustProducts/{cp['sid']}"), 404)["code"] == 20404

    # A transition delivered once the kind is known is a trust product's event.
    fake.patch(tp["sid"], status="twilio-approved")
    second = record(daemon, "BundleSID", tp["sid"], "twilio-approved", AccountSID=ACCOUNT_SID)
    for sink, path in (("everything", log), ("decisions", tmp_path / "decisions.log")):
        event = delivered_event(db, path, second, sink)
        assert event["type"] == TP_TYPE, event
        assert (event["sid"], event["from"], event["to"], event["unexpected"], event["account_sid"]) == (
            tp["sid"], "pending-review", "twilio-approved", False, ACCOUNT_SID), event
        assert event["profile"]["friendly_name"] == "Acme A2P Messaging Profile", event
    # Once the kind is known, enrichment asks TrustProducts straight away: no second 404.
    assert api_trail(fake, tp["sid"]) == [("fetch", "CustomerProfiles", 404), ("tp_fetch", "TrustProducts", 200),
                                          ("tp_fetch", "TrustProducts", 200)]

    # Its transitions are under TrustProducts only.
    trail = get(daemon, f"/v1/TrustProducts/{tp['sid']}/Transitions").json()
    assert trail["meta"]["key"] == "transitions"
    assert [t["id"] for t in trail["transitions"]] == [f"TR{second}", f"TR{first}"], trail
    wrong = get(daemon, f"/v1/CustomerProfiles/{tp['sid']}/Transitions")
    assert wrong.status_code == 200 and wrong.json()["transitions"] == [], wrong.text


# ---- (b) the callback's parameter name ----------------------------------------------------


def test_the_callbacks_parameter_name_tells_the_kind_at_once(start, db, tmp_path):
    daemon = start(HISTORY)  # no TrustHub API: only the callbacks say anything
    account = new_sid("AC")
    sids = {name: new_sid() for name in ("TrustProductSid", "TrustProductSID", "CustomerProfileSid",
                                         "CustomerProfileSID", "BundleSID", "BundleSid")}
    ids = {name: record(daemon, name, sid, "pending-review", AccountSID=account) for name, sid in sids.items()}
    products = {sids["TrustProductSid"], sids["TrustProductSID"]}
    others = set(sids.values()) - products

    # Listed at once, each under its own resource; a SID of unknown kind as a CustomerProfile.
    assert set(listed(daemon, "TrustProducts")) == products
    assert set(listed(daemon, "CustomerProfiles")) == others
    for sid in products:
        assert get(daemon, f"/v1/TrustProducts/{sid}").json()["sid"] == sid
        twilio_error(get(daemon, f"/v1/CustomerProfiles/{sid}"), 404)
    for sid in others:
        assert get(daemon, f"/v1/CustomerProfiles/{sid}").json()["sid"] == sid
        twilio_error(get(daemon, f"/v1/TrustProducts/{sid}"), 404)
    assert {name: kind_of(db, sid) for name, sid in sids.items()} == {
        "TrustProductSid": "trust_product", "TrustProductSID": "trust_product",
        "CustomerProfileSid": "customer_profile", "CustomerProfileSID": "customer_profile",
        "BundleSID": None, "BundleSid": None}

    # The first event of a trust product is already a trust product's.
    log = tmp_path / "everything.log"
    types = {name: delivered_event(db, log, ids[name])["type"] for name in sids}
    assert types == {"TrustProductSid": TP_TYPE, "TrustProductSID": TP_TYPE, "CustomerProfileSid": CP_TYPE,
                     "CustomerProfileSID": CP_TYPE, "BundleSID": CP_TYPE, "BundleSid": CP_TYPE}, types

    # A later callback naming a known trust product by BundleSID leaves it a trust product.
    sid = sids["TrustProductSid"]
    later = record(daemon, "BundleSID", sid, "twilio-approved", AccountSID=account)
    assert set(listed(daemon, "TrustProducts")) == products
    assert kind_of(db, sid) == "trust_product"
    assert delivered_event(db, log, later)["type"] == TP_TYPE
    rows = get(daemon, f"/v1/TrustProducts/{sid}/Transitions").json()["transitions"]
    assert [(t["from_status"], t["to_status"], t["unexpected"]) for t in rows] == [
        ("pending-review", "twilio-approved", False), (None, "pending-review", False)], rows


# ---- (c) the reconciler -------------------------------------------------------------------


def test_the_reconciler_records_a_trust_products_change_no_callback_told(start, fake, db, tmp_path):
    tp, cp = trust_product("in-review"), profile("in-review")
    # Statushook first hears of the trust product by a BundleSID callback, with no API configured.
    first = start(HISTORY)
    record(first, "BundleSID", tp["sid"], "in-review", AccountSID=ACCOUNT_SID)
    assert kind_of(db, tp["sid"]) is None and set(listed(first, "CustomerProfiles")) == {tp["sid"]}
    first.stop()

    # Twilio approves it; the callback is lost. The reconciler lists both resources.
    fake.set_profiles({**tp, "status": "twilio-approved"}, cp)
    daemon = start({**trusthub_config(fake, reconcile_interval="1s"), **HISTORY})
    found = wait_until(lambda: [t for t in transitions(db, tp["sid"]) if t["to_status"] == "twilio-approved"],
                       20, lambda: f"the approval found; transitions {transitions(db)}, API {fake.requests()}")
    [approval] = found
    assert (approval["from_status"], approval["source"], approval["callback_id"], approval["unexpected"]) == (
        "in-review", "reconcile", None, False), approval
    wait_until(lambda: transitions(db, cp["sid"]), 20, "the customer profile's first sight")
    assert kind_of(db, tp["sid"]) == "trust_product" and kind_of(db, cp["sid"]) == "customer_profile"

    products = listed(daemon, "TrustProducts")
    assert list(products) == [tp["sid"]], products
    assert (products[tp["sid"]]["status"], products[tp["sid"]]["friendly_name"]) == (
        "twilio-approved", "Acme A2P Messaging Profile"), products
    assert list(listed(daemon, "CustomerProfiles")) == [cp["sid"]]
    assert [t["id"] for t in get(daemon, f"/v1/TrustProducts/{tp['sid']}/Transitions").json()["transitions"]][0] \
        == f"TR{approval['id']}"
    # Both lists were read, with the daemon's credentials.
    assert {r["status"] for r in fake.requests("list")} == {200}
    assert {r["status"] for r in fake.requests("tp_list")} == {200}

    # Notified once, as a trust product's change.
    event = delivered_event(db, tmp_path / "everything.log", approval["id"])
    assert (event["type"], event["from"], event["to"]) == (TP_TYPE, "in-review", "twilio-approved"), event
    [cp_first] = transitions(db, cp["sid"])
    assert delivered_event(db, tmp_path / "everything.log", cp_first["id"])["type"] == CP_TYPE


# ---- (d) subscribe ------------------------------------------------------------------------


def test_subscribe_all_updates_customer_profiles_and_trust_products_each_at_its_own_path(tmp_path, fake):
    cps = [profile("twilio-approved", status_callback=TARGET),
           profile("in-review", status_callback="https://old.example.com/twilio")]
    tps = [trust_product("draft", status_callback=None), trust_product("twilio-approved", status_callback=TARGET),
           trust_product("pending-review", status_callback=TARGET + "?tenant=old")]
    fake.set_profiles(*cps, *tps)
    fake.max_page_size(2)
    path = config_file(tmp_path, fake)
    changing = [cps[1]["sid"], tps[0]["sid"], tps[2]["sid"]]

    dry = run_cli("subscribe", "--all", "--config", path)
    assert dry.returncode == 0, dry.stderr
    for sid in changing:
        assert sid in dry.stdout, dry.stdout
    assert fake.requests("update") == [] and fake.requests("tp_update") == []
    assert fake.requests("tp_list"), "the dry run did not read the TrustProducts list"

    applied = run_cli("subscribe", "--all", "--apply", "--config", path)
    assert applied.returncode == 0, applied.stderr
    assert [r["path"] for r in fake.requests("update")] == [f"/v1/CustomerProfiles/{cps[1]['sid']}"]
    assert sorted(r["path"] for r in fake.requests("tp_update")) == sorted(
        f"/v1/TrustProducts/{p['sid']}" for p in (tps[0], tps[2]))
    updates = fake.requests("update") + fake.requests("tp_update")
    assert all(r["form"] == {"StatusCallback": TARGET} and r["status"] == 200 for r in updates), updates
    # No request under the other resource's path, nothing refused.
    assert [r for r in fake.requests() if r["status"] != 200] == []
    assert {sid: r["status_callback"] for sid, r in fake.listed("CustomerProfiles").items()} == {
        p["sid"]: TARGET for p in cps}
    assert {sid: r["status_callback"] for sid, r in fake.listed("TrustProducts").items()} == {
        p["sid"]: TARGET for p in tps}

    again = run_cli("subscribe", "--all", "--apply", "--config", path)
    assert again.returncode == 0, again.stderr
    assert len(fake.requests("update")) == 1 and len(fake.requests("tp_update")) == 2


# ---- (e) Twilio's SDK ---------------------------------------------------------------------


def test_twilios_sdk_reads_trust_products_apart_from_customer_profiles(start, db):
    daemon = start(HISTORY)
    products = [new_sid() for _ in range(3)]
    for status in ("draft", "pending-review", "twilio-approved"):
        record(daemon, "TrustProductSid", products[0], status)
    record(daemon, "TrustProductSid", products[1], "in-review")
    record(daemon, "TrustProductSID", products[2], "twilio-approved")
    customer, unknown = new_sid(), new_sid()
    record(daemon, "CustomerProfileSid", customer, "draft")
    record(daemon, "BundleSID", unknown, "draft")
    client, http = sdk(daemon)

    # Two pages, the second read from the first's next_page_url: the TrustProducts list's own.
    found = client.trusthub.v1.trust_products.list(page_size=2)
    assert sorted(p.sid for p in found) == sorted(products)
    assert len(http.urls) == 2 and all(urllib.parse.urlsplit(u).path == "/v1/TrustProducts" for u in http.urls), \
        http.urls
    assert "PageToken=" in http.urls[1], http.urls
    approved = client.trusthub.v1.trust_products.list(status="twilio-approved")
    assert sorted(p.sid for p in approved) == sorted([products[0], products[2]])
    assert sorted(p.sid for p in client.trusthub.v1.customer_profiles.list()) == sorted([customer, unknown])

    fetched = client.trusthub.v1.trust_products(products[0]).fetch()
    base = f"http://127.0.0.1:{daemon.port}/v1/TrustProducts/{products[0]}"
    assert (fetched.sid, fetched.status, fetched.url) == (products[0], "twilio-approved", base)
    assert fetched.links == {
        "trust_products_entity_assignments": base + "/EntityAssignments",
        "trust_products_evaluations": base + "/Evaluations",
        "trust_products_channel_endpoint_assignment": base + "/ChannelEndpointAssignments",
        "transitions": base + "/Transitions",
    }, fetched.links
    for fetch in (lambda: client.trusthub.v1.trust_products(customer).fetch(),
                  lambda: client.trusthub.v1.trust_products(unknown).fetch(),
                  lambda: client.trusthub.v1.customer_profiles(products[0]).fetch()):
        with pytest.raises(TwilioRestException) as raised:
            fetch()
        assert raised.value.status == 404 and raised.value.code == 20404

    # A trust product's transitions, newest first, under its own resource only.
    body = get(daemon, f"/v1/TrustProducts/{products[0]}/Transitions").json()
    assert body["meta"]["key"] == "transitions", body["meta"]
    assert body["meta"]["url"].startswith(f"http://127.0.0.1:{daemon.port}/v1/TrustProducts/{products[0]}/Transitions")
    rows = body["transitions"]
    assert [(t["sid"], t["from_status"], t["to_status"], t["source"]) for t in rows] == [
        (products[0], "pending-review", "twilio-approved", "callback"),
        (products[0], "draft", "pending-review", "callback"),
        (products[0], None, "draft", "callback")], rows
    assert get(daemon, rows[0]["url"]).json() == rows[0]
    for path in (f"/v1/CustomerProfiles/{products[0]}/Transitions", f"/v1/TrustProducts/{customer}/Transitions",
                 f"/v1/TrustProducts/{unknown}/Transitions"):
        r = get(daemon, path)
        assert r.status_code == 200 and r.json()["transitions"] == [], (path, r.text)
    customer_rows = get(daemon, f"/v1/CustomerProfiles/{customer}/Transitions").json()["transitions"]
    assert [t["to_status"] for t in customer_rows] == ["draft"]
