"""The StatusCallback exactly as Twilio documents it: Twilio's
Regulatory Bundles page, where its TrustHub guides send CustomerProfile users, describes a form
POST of `AccountSID`, `BundleSID`, `Status` and, on a rejection, `FailureReason` (capital `SID`),
sent on every status change but pending-review → in-review. Twilio itself cannot run here: every
callback is built as that page shows it and signed by Twilio's official Python SDK (harness.sign,
harness.post_json), JSON bodies the `bodySHA256` way. No TrustHub API is involved.
"""

from __future__ import annotations

import json
import secrets
import urllib.parse

import pytest

from harness import (
    TOKEN, assert_event_matches, assert_recorded, assert_twilio_error, deliveries_by_state, describe_outbox,
    new_sid, read_json_lines, wait_until, warning_level,
)
from test_history_api import HISTORY, get

SUBACCOUNT_TOKEN = "subaccount-token-0c83f57c786a0b4a39efab23731c7ebc"


def documented(sid: str, status: str, account: str, reason: str | None = None) -> list[tuple[str, str]]:
    """The callback's parameters as Twilio's documentation lists them, in its order."""
    pairs = [("AccountSID", account), ("BundleSID", sid), ("Status", status)]
    if reason is not None:
        pairs.append(("FailureReason", reason))
    return pairs


def idem() -> dict:
    """A fresh I-Twilio-Idempotency-Token: each callback its own event."""
    return {"I-Twilio-Idempotency-Token": secrets.token_hex(12)}


def post(daemon, pairs, *, body: str = "form", **kw):
    """POSTs the pairs as a form body, or as the same names and values in a JSON object."""
    if body == "form":
        return daemon.post_form(pairs, **kw)
    return daemon.post_json(dict(pairs), **kw)


def callback_row(db, callback_id: int | None = None) -> dict:
    if callback_id is None:
        [row] = db.rows("SELECT * FROM callbacks")
        return row
    [row] = db.rows("SELECT * FROM callbacks WHERE id = %s", callback_id)
    return row


def transition_row(db, transition_id: int) -> dict:
    [row] = db.rows("SELECT * FROM transitions WHERE id = %s", transition_id)
    return row


# ---- recorded as documented ---------------------------------------------------------------


def test_the_documented_form_callback_is_recorded_with_its_account(daemon, db):
    sid, account = new_sid(), new_sid("AC")
    body = assert_recorded(daemon.post_form(documented(sid, "pending-review", account)), sid, "pending-review")

    cb = callback_row(db)
    # The body is the documented one, byte for byte.
    assert cb["raw_body"] == f"AccountSID={account}&BundleSID={sid}&Status=pending-review", cb["raw_body"]
    assert cb["params"] == {"AccountSID": account, "BundleSID": sid, "Status": "pending-review"}, cb["params"]
    assert (cb["sid"], cb["status"], cb["account_sid"], cb["result"]) == (sid, "pending-review", account, "recorded")
    t = transition_row(db, body["transition_id"])
    assert (t["sid"], t["account_sid"], t["from_status"], t["to_status"]) == (sid, account, None, "pending-review")
    assert (t["callback_id"], t["unexpected"], t["source"]) == (cb["id"], False, "callback"), t
    assert db.scalar("SELECT account_sid FROM profiles WHERE sid = %s", sid) == account

    # A rejection, with the documented FailureReason.
    reason = "Business name does not match the EIN (Error 18601)"
    body = assert_recorded(daemon.post_form(documented(sid, "twilio-rejected", account, reason)), sid, "twilio-rejected")
    t = transition_row(db, body["transition_id"])
    assert (t["from_status"], t["to_status"], t["failure_reason"], t["account_sid"]) == (
        "pending-review", "twilio-rejected", reason, account), t
    cb = callback_row(db, t["callback_id"])
    assert cb["raw_body"] == urllib.parse.urlencode(documented(sid, "twilio-rejected", account, reason)), cb
    assert (cb["failure_reason"], cb["account_sid"]) == (reason, account), cb
    assert cb["params"]["FailureReason"] == reason, cb["params"]
    assert db.scalar("SELECT status FROM profiles WHERE sid = %s", sid) == "twilio-rejected"


def test_the_documented_json_callback_is_recorded_with_its_account(daemon, db):
    sid, account = new_sid(), new_sid("AC")
    body = assert_recorded(daemon.post_json(dict(documented(sid, "pending-review", account))), sid, "pending-review")
    cb = callback_row(db)
    assert cb["content_type"].startswith("application/json"), cb["content_type"]
    assert (cb["sid"], cb["status"], cb["account_sid"]) == (sid, "pending-review", account), cb
    assert cb["raw_query"].startswith("bodySHA256="), cb["raw_query"]
    t = transition_row(db, body["transition_id"])
    assert (t["account_sid"], t["from_status"], t["to_status"], t["unexpected"]) == (
        account, None, "pending-review", False), t
    assert db.scalar("SELECT account_sid FROM profiles WHERE sid = %s", sid) == account

    reason = "Website unreachable (Error 18602)"
    body = assert_recorded(daemon.post_json(dict(documented(sid, "twilio-rejected", account, reason))),
                           sid, "twilio-rejected")
    t = transition_row(db, body["transition_id"])
    assert (t["failure_reason"], t["account_sid"], t["unexpected"]) == (reason, account, False), t
    assert callback_row(db, t["callback_id"])["failure_reason"] == reason


# ---- the account chooses the token -------------------------------------------------------


@pytest.mark.parametrize("spelling", ["AccountSID", "AccountSid"])
@pytest.mark.parametrize("body", ["form", "json"])
def test_a_subaccount_callback_is_checked_with_its_own_token(start, db, body, spelling):
    subaccount = new_sid("AC")
    daemon = start({f"account.{subaccount}.auth_token": SUBACCOUNT_TOKEN})

    def pairs(sid, status):
        return [(spelling, subaccount), ("BundleSID", sid), ("Status", status)]

    refused = new_sid()
    # Signed with the main account's token: not for this account.
    assert_twilio_error(post(daemon, pairs(refused, "pending-review"), body=body, token=TOKEN), 403)
    db.assert_nothing_written()

    sid = new_sid()
    r = post(daemon, pairs(sid, "pending-review"), body=body, token=SUBACCOUNT_TOKEN)
    body_ = assert_recorded(r, sid, "pending-review")
    assert transition_row(db, body_["transition_id"])["account_sid"] == subaccount
    assert db.scalar("SELECT account_sid FROM callbacks") == subaccount
    assert db.scalar("SELECT count(*) FROM profiles WHERE sid = %s", refused) == 0

    # Another account keeps the main token, and the subaccount's token is not valid for it.
    other = new_sid()
    other_pairs = [(spelling, new_sid("AC")), ("BundleSID", other), ("Status", "pending-review")]
    assert_twilio_error(post(daemon, other_pairs, body=body, token=SUBACCOUNT_TOKEN), 403)
    assert_recorded(post(daemon, other_pairs, body=body, token=TOKEN), other, "pending-review")
    assert db.scalar("SELECT count(*) FROM callbacks") == 2


# ---- Twilio sends it twice -----------------------------------------------------------------


@pytest.mark.parametrize("body", ["form", "json"])
def test_the_same_documented_callback_twice_is_a_duplicate(daemon, db, body):
    sid, account = new_sid(), new_sid("AC")
    pairs = documented(sid, "twilio-rejected", account, "Error 18601: business name")
    assert_recorded(post(daemon, pairs, body=body), sid, "twilio-rejected")
    before = db.counts()
    assert_recorded(post(daemon, pairs, body=body), sid, "twilio-rejected", result="duplicate")
    assert db.counts() == before

    # With Twilio's idempotency token, as a retry of one event carries it.
    headers = idem()
    second = documented(sid, "pending-review", account)
    assert_recorded(post(daemon, second, body=body, headers=headers), sid, "pending-review")
    before = db.counts()
    assert_recorded(post(daemon, second, body=body, headers=headers), sid, "pending-review", result="duplicate")
    assert db.counts() == before


# ---- other spellings ------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["form", "json"])
def test_the_spellings_code_in_the_wild_reads_still_work(daemon, db, body):
    sid, account = new_sid(), new_sid("AC")
    r = post(daemon, [("AccountSid", account), ("BundleSid", sid), ("Status", "draft")], body=body)
    t = transition_row(db, assert_recorded(r, sid, "draft")["transition_id"])
    assert (t["sid"], t["account_sid"]) == (sid, account), t
    assert db.scalar("SELECT account_sid FROM profiles WHERE sid = %s", sid) == account


def test_the_documented_spelling_comes_first(daemon, db):
    documented_sid, other_sid = new_sid(), new_sid()
    account, other_account = new_sid("AC"), new_sid("AC")
    # AccountSID before AccountSid, BundleSID before BundleSid.
    r = daemon.post_form([("AccountSid", other_account), ("BundleSid", other_sid), ("AccountSID", account),
                          ("BundleSID", documented_sid), ("Status", "draft")])
    t = transition_row(db, assert_recorded(r, documented_sid, "draft")["transition_id"])
    assert (t["sid"], t["account_sid"]) == (documented_sid, account), t
    assert db.scalar("SELECT count(*) FROM profiles WHERE sid = %s", other_sid) == 0


@pytest.mark.parametrize("spelling", ["AccountSID", "AccountSid"])
@pytest.mark.parametrize("body", ["form", "json"])
def test_an_account_sid_not_matching_its_pattern_is_400(daemon, db, body, spelling):
    sid = new_sid()
    for bad in ("AC123", "AC" + "0" * 31, "AC" + "0" * 33, "AC" + "g" * 32, new_sid("BU"), "SK" + "0" * 32):
        r = post(daemon, [(spelling, bad), ("BundleSID", sid), ("Status", "pending-review")], body=body)
        assert_twilio_error(r, 400)
    db.assert_nothing_written()
    # The same callback with a well-formed account is recorded.
    r = post(daemon, [(spelling, new_sid("AC")), ("BundleSID", sid), ("Status", "pending-review")], body=body)
    assert_recorded(r, sid, "pending-review")


# ---- the documented moves are expected -----------------------------------------------------


def test_decisions_straight_from_pending_review_are_expected(start, db, tmp_path):
    daemon = start(HISTORY)
    account = new_sid("AC")
    approved, rejected, odd = new_sid(), new_sid(), new_sid()

    def send(sid, status, reason=None):
        return assert_recorded(daemon.post_form(documented(sid, status, account, reason), headers=idem()),
                               sid, status)["transition_id"]

    # Twilio sends no callback for pending-review → in-review: the decision follows pending-review.
    documented_moves = [
        (approved, "draft"), (approved, "pending-review"), (approved, "twilio-approved"),
        (rejected, "draft"), (rejected, "pending-review"), (rejected, "twilio-rejected"),
        (rejected, "pending-review"), (rejected, "twilio-approved"),
    ]
    ids = [send(sid, status, "Error 18601: business name" if status == "twilio-rejected" else None)
           for sid, status in documented_moves]
    rows = {t["id"]: t for t in db.rows("SELECT * FROM transitions")}
    moves = [(rows[i]["from_status"], rows[i]["to_status"], rows[i]["unexpected"]) for i in ids]
    assert moves == [
        (None, "draft", False), ("draft", "pending-review", False), ("pending-review", "twilio-approved", False),
        (None, "draft", False), ("draft", "pending-review", False), ("pending-review", "twilio-rejected", False),
        ("twilio-rejected", "pending-review", False), ("pending-review", "twilio-approved", False),
    ], moves

    # The history API says the same.
    for sid in (approved, rejected):
        listed = get(daemon, f"/v1/CustomerProfiles/{sid}/Transitions").json()["transitions"]
        assert [(t["from_status"], t["to_status"], t["unexpected"]) for t in reversed(listed)] == [
            (rows[i]["from_status"], rows[i]["to_status"], False) for i in ids if rows[i]["sid"] == sid], listed

    # No warning about anything unexpected for these moves (read once the last one's log line is out).
    last_request = db.scalar("SELECT request_id FROM callbacks ORDER BY id DESC LIMIT 1")
    assert daemon.wait_for_log(lambda r: r.get("request_id") == last_request), daemon.stderr()
    warnings = [r for r in daemon.log_records() if warning_level(r) and "unexpected" in json.dumps(r).lower()]
    assert warnings == [], warnings

    # A decision straight from draft is still not one of the usual moves.
    odd_ids = [send(odd, "draft"), send(odd, "twilio-approved")]
    assert transition_row(db, odd_ids[1])["unexpected"] is True
    listed = get(daemon, f"/v1/CustomerProfiles/{odd}/Transitions").json()["transitions"]
    assert [(t["from_status"], t["to_status"], t["unexpected"]) for t in listed] == [
        ("draft", "twilio-approved", True), (None, "draft", False)], listed

    # The events carry the flag as recorded.
    wait_until(lambda: set(deliveries_by_state(db)) == {"delivered"}, 15,
               lambda: f"every delivery delivered:\n{describe_outbox(db)}")
    transitions = {f"TR{t['id']}": t for t in db.rows("SELECT * FROM transitions")}
    events = read_json_lines(tmp_path / "everything.log")
    assert sorted(e["id"] for e in events) == sorted(transitions), events
    for event in events:
        assert_event_matches(event, transitions[event["id"]])
    assert [e["unexpected"] for e in events if e["id"] in {f"TR{i}" for i in ids}] == [False] * len(ids)
