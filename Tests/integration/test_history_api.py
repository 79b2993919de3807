"""The history API (docs/contract.md §3) read by Twilio's official Python SDK and by plain requests."""

from __future__ import annotations

import base64
import urllib.parse
from datetime import datetime, timezone

import psycopg
import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from harness import assert_twilio_error, new_sid, record_transition, wait_for_delivery_states

USER, PASSWORD = "reader", "history-secret-7c1d"
HISTORY = {"history_username": USER, "history_password": PASSWORD}
TWILIO = "https://trusthub.twilio.com"


class StatushookHTTPClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending what it would send to TrustHub to statushook instead."""

    def __init__(self, port: int):
        super().__init__()
        self.base = f"http://127.0.0.1:{port}"
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO):
            url = self.base + url[len(TWILIO):]
        self.urls.append(url)
        return super().request(method, url, *args, **kwargs)


def sdk(daemon) -> tuple[Client, StatushookHTTPClient]:
    http = StatushookHTTPClient(daemon.port)
    return Client(USER, PASSWORD, http_client=http), http


def get(daemon, path: str, params=None, auth=(USER, PASSWORD), **kw) -> requests.Response:
    url = path if path.startswith("http") else f"http://127.0.0.1:{daemon.port}{path}"
    return requests.get(url, params=params, auth=auth, timeout=20, **kw)


class Reply:
    """A requests response in the shape harness.assert_twilio_error reads."""

    def __init__(self, r: requests.Response):
        self.status, self.body, self.r = r.status_code, r.content, r

    def header(self, name):
        return self.r.headers.get(name)

    def json(self):
        return self.r.json()


def twilio_error(r: requests.Response, status: int) -> dict:
    return assert_twilio_error(Reply(r), status)


STATUSES = ["draft", "pending-review", "in-review", "twilio-approved", "twilio-rejected"]


def insert_profiles(db, count: int) -> None:
    """`count` profiles in one statement, SIDs from md5, statuses in turn, one policy in 7."""
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO profiles (sid, account_sid, status, friendly_name, policy_sid, email, date_created, date_updated) "
            "SELECT 'BU' || md5(g::text), 'AC' || md5('account'), (%s::text[])[1 + g %% 5], 'profile ' || g, "
            "       CASE WHEN g %% 7 = 0 THEN 'RN' || md5('policy') END, 'ops@example.com', "
            "       timestamptz '2026-11-22T10:00:00Z' + g * interval '1 second', now() "
            "  FROM generate_series(1, %s) g", (STATUSES, count))


def insert_transitions(db, sid: str, rows: list[tuple[str, str]]) -> None:
    """(to_status, occurred_at) rows for one profile."""
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        for to_status, at in rows:
            conn.execute("INSERT INTO transitions (sid, to_status, unexpected, source, occurred_at) "
                         "VALUES (%s, %s, false, 'reconcile', %s)", (sid, to_status, at))


# ---- Twilio's SDK ------------------------------------------------------------------------------


def test_sdk_lists_and_streams_2500_profiles_following_next_page_url(start, db):
    daemon = start(HISTORY)
    insert_profiles(db, 2500)
    client, http = sdk(daemon)
    expected = sorted(r["sid"] for r in db.rows("SELECT sid FROM profiles"))

    listed = client.trusthub.v1.customer_profiles.list(page_size=1000)
    assert [p.sid for p in listed] == expected
    assert len(http.urls) == 3, http.urls
    assert "PageToken=PA" in http.urls[1] and "Page=1" in http.urls[1] and "PageSize=1000" in http.urls[1]

    http.urls.clear()
    streamed = [p.sid for p in client.trusthub.v1.customer_profiles.stream(page_size=1000)]
    assert streamed == expected and len(http.urls) == 3

    first = listed[0]
    assert first.account_sid == "AC" + __import__("hashlib").md5(b"account").hexdigest()
    assert first.email == "ops@example.com" and first.valid_until is None and first.errors is None
    assert isinstance(first.date_created, datetime), "date_created is not in Twilio's ISO 8601 form"


def test_sdk_filters_by_status_and_policy(start, db):
    daemon = start(HISTORY)
    insert_profiles(db, 2500)
    client, _ = sdk(daemon)
    approved = client.trusthub.v1.customer_profiles.list(status="twilio-approved", page_size=200)
    assert len(approved) == 500 and {p.status for p in approved} == {"twilio-approved"}
    policy = "RN" + __import__("hashlib").md5(b"policy").hexdigest()
    assert len(client.trusthub.v1.customer_profiles.list(policy_sid=policy, page_size=1000)) == 2500 // 7
    named = client.trusthub.v1.customer_profiles.list(friendly_name="profile 42")
    assert [p.friendly_name for p in named] == ["profile 42"]
    assert client.trusthub.v1.customer_profiles.list(status="no-such-status") == []


def test_sdk_fetches_one_profile_and_a_missing_one_raises_404(start, db):
    daemon = start(HISTORY)
    insert_profiles(db, 3)
    sid = db.scalar("SELECT sid FROM profiles WHERE friendly_name = 'profile 2'")
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute("UPDATE profiles SET errors = %s, valid_until = '2027-01-02T03:04:05.678Z' WHERE sid = %s",
                     ('[{"code": 22215, "fields": ["a", "é"]}]', sid))
    client, _ = sdk(daemon)

    profile = client.trusthub.v1.customer_profiles(sid).fetch()
    assert (profile.sid, profile.status, profile.friendly_name) == (sid, "in-review", "profile 2")
    assert profile.valid_until == datetime(2027, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert profile.errors == [{"code": 22215, "fields": ["a", "é"]}]
    base = f"http://127.0.0.1:{daemon.port}/v1/CustomerProfiles/{sid}"
    assert profile.url == base
    assert profile.links == {
        "customer_profiles_entity_assignments": base + "/EntityAssignments",
        "customer_profiles_evaluations": base + "/Evaluations",
        "customer_profiles_channel_endpoint_assignment": base + "/ChannelEndpointAssignments",
        "transitions": base + "/Transitions",
    }

    with pytest.raises(TwilioRestException) as raised:
        client.trusthub.v1.customer_profiles(new_sid()).fetch()
    assert raised.value.status == 404 and raised.value.code == 20404


# ---- auth and validation -----------------------------------------------------------------------


def test_credentials_are_required_and_checked(start):
    daemon = start(HISTORY)
    for auth in (None, (USER, "wrong"), ("someone", PASSWORD)):
        r = get(daemon, "/v1/CustomerProfiles", auth=auth)
        twilio_error(r, 401)
        assert r.headers["WWW-Authenticate"] == 'Basic realm="statushook"'
    assert get(daemon, "/v1/CustomerProfiles").status_code == 200


def test_history_off_without_credentials_says_how_to_turn_it_on(start):
    daemon = start()
    body = twilio_error(get(daemon, "/v1/CustomerProfiles"), 404)
    assert "history_username" in body["message"] and "history_password" in body["message"]


def test_bad_paging_parameters_are_refused_with_400(start):
    daemon = start(HISTORY)
    for params in ({"PageSize": "0"}, {"PageSize": "1001"}, {"PageSize": "ten"}, {"PageSize": "-5"},
                   {"Page": "x"}, {"Page": "3"}, {"PageToken": "PAnotatoken"}, {"Status": ""}):
        twilio_error(get(daemon, "/v1/CustomerProfiles", params), 400)


def test_page_size_limits_are_inclusive(start, db):
    daemon = start(HISTORY)
    insert_profiles(db, 3)
    assert get(daemon, "/v1/CustomerProfiles", {"PageSize": "1"}).json()["meta"]["page_size"] == 1
    assert len(get(daemon, "/v1/CustomerProfiles", {"PageSize": "1000"}).json()["results"]) == 3


def test_a_tampered_page_token_is_refused_cleanly(start, db):
    daemon = start(HISTORY)
    insert_profiles(db, 5)
    meta = get(daemon, "/v1/CustomerProfiles", {"PageSize": "2"}).json()["meta"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(meta["next_page_url"]).query))
    token = query["PageToken"]
    assert get(daemon, meta["next_page_url"]).status_code == 200

    raw = bytearray(base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4)))
    raw[3] ^= 0x01  # one bit of the cursor's SID
    forged = token[:2] + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, flipped, "PB" + token[2:], token + "x", token[:-3]):
        body = twilio_error(get(daemon, "/v1/CustomerProfiles", {**query, "PageToken": bad}), 400)
        assert "PageToken" in body["message"]
    # A profiles cursor means nothing to another list.
    twilio_error(get(daemon, "/v1/Transitions", {"PageToken": token}), 400)


def test_bad_dates_are_refused_and_an_unknown_path_is_404(start):
    daemon = start(HISTORY)
    for value in ("2026-02-30", "yesterday", "2026-11-22T25:00:00Z", "2026-11-22 10:00:00"):
        twilio_error(get(daemon, "/v1/Transitions", {"DateCreatedAfter": value}), 400)
    twilio_error(get(daemon, "/v1/Nothing"), 404)
    twilio_error(get(daemon, "/v1/Transitions/TR0"), 404)


# ---- transitions and deliveries ----------------------------------------------------------------


def test_transitions_of_one_profile_newest_first_paged_both_ways(start, db):
    daemon = start(HISTORY)
    sid = new_sid()
    chain = ["draft", "pending-review", "in-review", "twilio-approved", "draft"]
    ids = [record_transition(daemon, sid, status) for status in chain]
    record_transition(daemon, new_sid(), "draft")  # another profile's

    body = get(daemon, f"/v1/CustomerProfiles/{sid}/Transitions").json()
    assert body["meta"]["key"] == "transitions" and body["meta"]["next_page_url"] is None
    rows = body["transitions"]
    assert [t["id"] for t in rows] == [f"TR{i}" for i in reversed(ids)]
    assert [t["to_status"] for t in rows] == list(reversed(chain))
    assert [t["from_status"] for t in rows] == list(reversed([None] + chain[:-1]))
    assert set(rows[0]) == {"id", "sid", "account_sid", "from_status", "to_status", "failure_reason",
                            "unexpected", "source", "date_created", "url"}
    assert rows[0]["source"] == "callback" and rows[0]["unexpected"] is False and rows[0]["sid"] == sid
    datetime.strptime(rows[0]["date_created"], "%Y-%m-%dT%H:%M:%SZ")
    assert get(daemon, rows[0]["url"]).json() == rows[0]

    # Two at a time: forward to the end, then back to the start with previous_page_url.
    seen, url, pages = [], f"http://127.0.0.1:{daemon.port}/v1/CustomerProfiles/{sid}/Transitions?PageSize=2", []
    while url:
        page = get(daemon, url).json()
        pages.append(page)
        seen += [t["id"] for t in page["transitions"]]
        url = page["meta"]["next_page_url"]
    assert seen == [t["id"] for t in rows] and [p["meta"]["page"] for p in pages] == [0, 1, 2]
    assert pages[0]["meta"]["previous_page_url"] is None
    back = get(daemon, pages[2]["meta"]["previous_page_url"]).json()
    assert back["transitions"] == pages[1]["transitions"] and back["meta"]["page"] == 1
    first = get(daemon, back["meta"]["previous_page_url"]).json()
    assert first["transitions"] == pages[0]["transitions"] and first["meta"]["previous_page_url"] is None

    empty = get(daemon, f"/v1/CustomerProfiles/{new_sid()}/Transitions")
    assert empty.status_code == 200 and empty.json()["transitions"] == []


def test_all_transitions_filtered_by_date_and_status(start, db):
    daemon = start({**HISTORY, "public_url": "https://user:pw@hooks.example.com/statushook"})
    sid = new_sid()
    insert_transitions(db, sid, [("draft", "2026-11-20T12:00:00Z"), ("pending-review", "2026-11-21T00:00:00Z"),
                                 ("in-review", "2026-11-21T23:59:59.999Z"), ("twilio-approved", "2026-11-22T00:00:00Z")])

    def statuses(**params):
        body = get(daemon, "/v1/Transitions", params).json()
        return [t["to_status"] for t in body["transitions"]], body["meta"]

    assert statuses()[0] == ["twilio-approved", "in-review", "pending-review", "draft"]
    found, meta = statuses(DateCreatedAfter="2026-11-21", DateCreatedBefore="2026-11-22")
    assert found == ["in-review", "pending-review"]
    assert meta["url"] == ("https://hooks.example.com/statushook/v1/Transitions?DateCreatedAfter=2026-11-21"
                           "&DateCreatedBefore=2026-11-22&PageSize=50&Page=0")
    assert meta["first_page_url"] == meta["url"]
    assert statuses(DateCreatedAfter="2026-11-21T23:59:59.999Z")[0] == ["twilio-approved", "in-review"]
    assert statuses(DateCreatedBefore="2026-11-21T01:00:00+01:00")[0] == ["draft"]
    assert statuses(Status="in-review", DateCreatedAfter="2026-11-01T00:00:00Z")[0] == ["in-review"]
    assert statuses(Status="unknown-status")[0] == []


def test_deliveries_with_their_attempts(start, db):
    daemon = start(HISTORY)
    sid = new_sid()
    record_transition(daemon, sid, "in-review")
    approved = record_transition(daemon, sid, "twilio-approved")
    wait_for_delivery_states(db, {"delivered": 3})  # "everything" twice, "decisions" once

    body = get(daemon, "/v1/Deliveries", {"Sid": sid}).json()
    assert body["meta"]["key"] == "deliveries"
    rows = body["deliveries"]
    assert [(d["transition_id"], d["sink"]) for d in rows][:2] in (
        [(f"TR{approved}", "everything"), (f"TR{approved}", "decisions")],
        [(f"TR{approved}", "decisions"), (f"TR{approved}", "everything")])
    assert len(rows) == 3 and [d["id"] for d in rows] == sorted((d["id"] for d in rows), reverse=True)
    for d in rows:
        assert d["state"] == "delivered" and d["sid"] == sid and d["date_finished"] is not None
        assert [a["outcome"] for a in d["attempts"]] == ["delivered"] and d["attempts"][0]["attempt"] == 1
    only = get(daemon, "/v1/Deliveries", {"Sink": "decisions", "State": "delivered"}).json()["deliveries"]
    assert [d["transition_id"] for d in only] == [f"TR{approved}"]
    assert get(daemon, "/v1/Deliveries", {"State": "dead"}).json()["deliveries"] == []
