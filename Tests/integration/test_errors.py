"""Every error answer of docs/contract.md §1, in Twilio's error shape, in the documented order of checks,
and with nothing written to the database."""

from __future__ import annotations

import psycopg

from harness import (
    CALLBACK_PATH, TOKEN, Cluster, assert_recorded, assert_twilio_error, basic_auth, form_body,
    new_sid, sign, wait_for_status,
)


def profile(sid: str, status: str, **extra) -> list[tuple[str, str]]:
    return [("CustomerProfileSid", sid), ("Status", status), *extra.items()]


# ---- 404 -----------------------------------------------------------------------------------

def test_unknown_path_is_404(daemon, db):
    sid = new_sid()
    r = daemon.post_form(profile(sid, "draft"), path="/callbacks/other")
    assert_twilio_error(r, 404)
    r = daemon.get("/nothing-here")
    assert_twilio_error(r, 404)
    db.assert_nothing_written()


def test_unknown_path_with_a_bad_signature_is_404_not_403(daemon, db):
    r = daemon.post_form(profile(new_sid(), "draft"), path="/callbacks/twilio/extra",
                         signature="bm90IGEgc2lnbmF0dXJl")
    assert_twilio_error(r, 404)
    db.assert_nothing_written()


# ---- 405 -----------------------------------------------------------------------------------

def test_get_on_the_callback_path_is_405_with_allow(daemon, db):
    r = daemon.get(CALLBACK_PATH)
    assert_twilio_error(r, 405)
    assert "POST" in (r.header("Allow") or ""), r.headers
    for method in ("PUT", "DELETE", "PATCH"):
        r = daemon.request(method, CALLBACK_PATH, body=form_body(profile(new_sid(), "draft")),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert_twilio_error(r, 405)
        assert "POST" in (r.header("Allow") or ""), r.headers
    db.assert_nothing_written()


def test_get_with_a_huge_body_is_405_not_413(daemon, db):
    r = daemon.request("GET", CALLBACK_PATH, body=b"x" * (80 * 1024),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_twilio_error(r, 405)
    assert "POST" in (r.header("Allow") or "")
    db.assert_nothing_written()


# ---- 413 -----------------------------------------------------------------------------------

def big_pairs(sid: str, size: int) -> list[tuple[str, str]]:
    return profile(sid, "draft", Padding="p" * size)


def test_body_over_max_body_bytes_is_413_with_content_length(start, db):
    d = start({"max_body_bytes": "1024"})
    sid = new_sid()
    r = d.post_form(big_pairs(sid, 3000))  # validly signed, but too big
    assert_twilio_error(r, 413)
    db.assert_nothing_written()
    # Under the limit, the same callback goes through.
    assert_recorded(d.post_form(big_pairs(sid, 500)), sid, "draft")


def test_body_over_max_body_bytes_is_413_when_chunked(start, db):
    d = start({"max_body_bytes": "1024"})
    sid = new_sid()
    pairs = big_pairs(sid, 3000)
    url = f"http://127.0.0.1:{d.port}{CALLBACK_PATH}"
    r = d.request("POST", CALLBACK_PATH, body=form_body(pairs), chunked=True, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(TOKEN, url, pairs)})
    assert_twilio_error(r, 413)
    db.assert_nothing_written()
    # A chunked body under the limit is read whole and accepted.
    pairs = big_pairs(sid, 500)
    r = d.request("POST", CALLBACK_PATH, body=form_body(pairs), chunked=True, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(TOKEN, url, pairs)})
    assert_recorded(r, sid, "draft")


def test_default_max_body_bytes_is_64_kib(daemon, db):
    r = daemon.post_form(big_pairs(new_sid(), 70 * 1024))
    assert_twilio_error(r, 413)
    db.assert_nothing_written()


def test_size_is_checked_before_auth_and_signature(start, db):
    d = start({"max_body_bytes": "1024", "callback_username": "twilio",
               "callback_password": "pw-1234567890"})
    r = d.post_form(big_pairs(new_sid(), 3000), token=None, content_type="text/plain")
    assert_twilio_error(r, 413)
    db.assert_nothing_written()


# ---- 401 -----------------------------------------------------------------------------------

def test_callback_basic_auth_missing_or_wrong_is_401_with_www_authenticate(start, db):
    d = start({"callback_username": "twilio", "callback_password": "pw-1234567890"})
    sid = new_sid()
    for headers in ({}, {"Authorization": basic_auth("twilio", "wrong")},
                    {"Authorization": basic_auth("other", "pw-1234567890")},
                    {"Authorization": "Bearer pw-1234567890"}):
        r = d.post_form(profile(sid, "draft"), headers=headers)
        assert_twilio_error(r, 401)
        challenge = r.header("WWW-Authenticate") or ""
        assert challenge.startswith("Basic") and 'realm="statushook"' in challenge, r.headers
    db.assert_nothing_written()
    r = d.post_form(profile(sid, "draft"), headers={"Authorization": basic_auth("twilio", "pw-1234567890")})
    assert_recorded(r, sid, "draft")


def test_auth_is_checked_before_content_type_and_signature(start, db):
    d = start({"callback_username": "twilio", "callback_password": "pw-1234567890"})
    r = d.post_form(profile(new_sid(), "draft"), token=None, content_type="text/plain")
    assert_twilio_error(r, 401)
    db.assert_nothing_written()


# ---- 415 -----------------------------------------------------------------------------------

def test_text_plain_is_415(daemon, db):
    sid = new_sid()
    r = daemon.post_form(profile(sid, "draft"), content_type="text/plain")  # signed
    assert_twilio_error(r, 415)
    r = daemon.post_form(profile(sid, "draft"), token=None, content_type="text/plain")  # unsigned
    assert_twilio_error(r, 415)
    db.assert_nothing_written()


def test_form_content_type_with_a_charset_is_accepted(daemon):
    sid = new_sid()
    r = daemon.post_form(profile(sid, "draft"),
                         content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert_recorded(r, sid, "draft")


# ---- 403 -----------------------------------------------------------------------------------

def test_missing_signature_is_403(daemon, db):
    r = daemon.post_form(profile(new_sid(), "draft"), token=None)
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_wrong_signature_is_403(daemon, db):
    sid = new_sid()
    for sig in ("", "bm90IGEgc2lnbmF0dXJl", sign("another-token", f"http://127.0.0.1:{daemon.port}"
                                                 f"{CALLBACK_PATH}", profile(sid, "draft"))):
        r = daemon.post_form(profile(sid, "draft"), signature=sig)
        assert_twilio_error(r, 403)
    r = daemon.post_form(profile(sid, "draft"), token="another-token")
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_signature_is_checked_before_content(daemon, db):
    r = daemon.post_form([("Status", "draft")], token="another-token")  # no SID, bad signature
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


# ---- 400 (signature valid) -----------------------------------------------------------------

def test_missing_sid_is_400(daemon, db):
    assert_twilio_error(daemon.post_form([("Status", "draft")]), 400)
    db.assert_nothing_written()


def test_bad_sid_is_400(daemon, db):
    for bad in ("BU123", "XX" + "0" * 32, "BU" + "g" * 32, "BU" + "0" * 33, ""):
        r = daemon.post_form(profile(bad, "draft"))
        assert_twilio_error(r, 400)
    db.assert_nothing_written()


def test_missing_or_bad_status_is_400(daemon, db):
    sid = new_sid()
    assert_twilio_error(daemon.post_form([("CustomerProfileSid", sid)]), 400)
    for bad in ("", "Twilio-Approved", "in review", "x" * 65, "draft;drop"):
        assert_twilio_error(daemon.post_form(profile(sid, bad)), 400)
    db.assert_nothing_written()


def test_bad_account_sid_is_400(daemon, db):
    for bad in ("AC123", "BU" + "0" * 32, "AC" + "z" * 32):
        r = daemon.post_form(profile(new_sid(), "draft", AccountSid=bad))
        assert_twilio_error(r, 400)
    db.assert_nothing_written()


def test_malformed_json_body_is_400(daemon, db):
    for body in ('{"CustomerProfileSid": ', "[1, 2]", '"draft"'):
        r = daemon.post_json(body)
        assert_twilio_error(r, 400)
    db.assert_nothing_written()


def test_json_body_with_bad_fields_is_400(daemon, db):
    r = daemon.post_json({"CustomerProfileSid": "BU1", "status": "draft"})
    assert_twilio_error(r, 400)
    r = daemon.post_json({"CustomerProfileSid": new_sid(), "status": 42})
    assert_twilio_error(r, 400)
    db.assert_nothing_written()


# ---- 503 -----------------------------------------------------------------------------------

def test_database_stopped_is_503_with_retry_after_then_recovers_without_restart(own_cluster, start):
    d = start(database_url=own_cluster.conninfo)
    sid = new_sid()
    pairs = profile(sid, "draft")
    headers = {"I-Twilio-Idempotency-Token": "while-down"}

    own_cluster.stop()
    r = d.post_form(pairs, headers=headers)
    body = assert_twilio_error(r, 503)
    assert (r.header("Retry-After") or "").strip().isdigit(), r.headers
    assert body["code"] == 20503
    ready = wait_for_status(lambda: d.get("/readyz"), 503, timeout=10)
    assert ready.status == 503, ready
    assert d.get("/healthz").status == 200
    assert d.is_running()

    own_cluster.start()
    # Twilio's retry of the same callback is recorded by the same daemon once it reconnects.
    r = wait_for_status(lambda: d.post_form(pairs, headers=headers), 200, timeout=30)
    assert_recorded(r, sid, "draft")
    assert wait_for_status(lambda: d.get("/readyz"), 200, timeout=10).status == 200
    with psycopg.connect(own_cluster.conninfo) as conn:
        n = conn.execute("SELECT count(*) FROM callbacks").fetchone()[0]
        t = conn.execute("SELECT count(*) FROM transitions").fetchone()[0]
    assert (n, t) == (1, 1)
