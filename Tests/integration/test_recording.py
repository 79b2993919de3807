"""What an accepted callback writes to PostgreSQL (docs/contract.md §1, "What is recorded", "Duplicates")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from harness import assert_recorded, new_sid, warning_level


def profile(sid: str, status: str, **extra) -> list[tuple[str, str]]:
    return [("CustomerProfileSid", sid), ("Status", status), *extra.items()]


def idem(token: str) -> dict:
    return {"I-Twilio-Idempotency-Token": token}


def test_callback_transition_and_deliveries_are_committed_together(daemon, db):
    sid, account = new_sid(), new_sid("AC")

    body = assert_recorded(daemon.post_form(profile(sid, "draft", AccountSid=account),
                                            headers=idem("tok-1")), sid, "draft")
    # Visible as soon as the answer is: committed before the response.
    [cb] = db.rows("SELECT * FROM callbacks")
    [t] = db.rows("SELECT * FROM transitions")
    assert cb["idempotency_key"] == "t:tok-1" and cb["idempotency_token"] == "tok-1"
    assert cb["result"] == "recorded"
    assert cb["request_id"]
    assert t["id"] == body["transition_id"]
    assert t["callback_id"] == cb["id"]
    assert t["sid"] == sid and t["account_sid"] == account
    assert t["from_status"] is None and t["to_status"] == "draft" and t["unexpected"] is False
    assert t["source"] == "callback"
    # draft matches only the unfiltered sink.
    deliveries = db.rows("SELECT sink, transition_id FROM deliveries ORDER BY sink")
    assert deliveries == [{"sink": "everything", "transition_id": t["id"]}]
    # The dispatcher may already have taken it: any state but dead.
    [state] = [r["state"] for r in db.rows("SELECT state FROM deliveries")]
    assert state in ("pending", "delivering", "delivered")
    [p] = db.rows("SELECT * FROM profiles")
    assert p["sid"] == sid and p["status"] == "draft" and p["account_sid"] == account

    for i, status in enumerate(["pending-review", "in-review", "twilio-approved"], start=2):
        body = assert_recorded(daemon.post_form(profile(sid, status, AccountSid=account),
                                                headers=idem(f"tok-{i}")), sid, status)
    transitions = db.rows("SELECT from_status, to_status, unexpected FROM transitions ORDER BY id")
    assert transitions == [
        {"from_status": None, "to_status": "draft", "unexpected": False},
        {"from_status": "draft", "to_status": "pending-review", "unexpected": False},
        {"from_status": "pending-review", "to_status": "in-review", "unexpected": False},
        {"from_status": "in-review", "to_status": "twilio-approved", "unexpected": False},
    ]
    # The approval matches both sinks; every earlier step only the unfiltered one.
    last = db.rows("SELECT sink FROM deliveries WHERE transition_id = %s ORDER BY sink",
                   body["transition_id"])
    assert [r["sink"] for r in last] == ["decisions", "everything"]
    assert db.scalar("SELECT count(*) FROM deliveries") == 5
    assert db.scalar("SELECT count(*) FROM deliveries WHERE sink = 'decisions'") == 1
    assert db.scalar("SELECT status FROM profiles WHERE sid = %s", sid) == "twilio-approved"
    assert db.scalar("SELECT count(*) FROM callbacks") == 4


def test_rejection_carries_its_failure_reason_to_the_transition(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(profile(sid, "in-review")), sid, "in-review")
    r = daemon.post_form(profile(sid, "twilio-rejected", FailureReason="Business name mismatch (18601)"))
    body = assert_recorded(r, sid, "twilio-rejected")
    [t] = db.rows("SELECT * FROM transitions WHERE id = %s", body["transition_id"])
    assert t["from_status"] == "in-review" and t["unexpected"] is False
    assert t["failure_reason"] == "Business name mismatch (18601)"
    sinks = db.rows("SELECT sink FROM deliveries WHERE transition_id = %s ORDER BY sink", t["id"])
    assert [s["sink"] for s in sinks] == ["decisions", "everything"]


def test_retried_callback_with_the_same_idempotency_token_is_a_duplicate(daemon, db):
    sid = new_sid()
    pairs = profile(sid, "draft")
    assert_recorded(daemon.post_form(pairs, headers=idem("retry-me")), sid, "draft")
    before = db.counts()
    r = daemon.post_form(pairs, headers=idem("retry-me"))
    assert_recorded(r, sid, "draft", result="duplicate")
    assert db.counts() == before
    # The token decides, even when the retry's body differs.
    r = daemon.post_form(profile(sid, "pending-review"), headers=idem("retry-me"))
    assert r.status == 200 and r.json()["result"] == "duplicate", r
    assert db.counts() == before


def test_retried_callback_without_a_token_is_a_duplicate_by_its_hash(daemon, db):
    sid = new_sid()
    pairs = profile(sid, "draft", FriendlyName="Acme")
    assert_recorded(daemon.post_form(pairs), sid, "draft")
    before = db.counts()
    assert db.scalar("SELECT idempotency_key FROM callbacks").startswith("h:")
    # The same parameters in another order are the same callback.
    r = daemon.post_form(list(reversed(pairs)))
    assert_recorded(r, sid, "draft", result="duplicate")
    assert db.counts() == before


def test_same_status_again_is_unchanged_with_a_callback_but_no_transition(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(profile(sid, "draft"), headers=idem("a")), sid, "draft")
    before = db.counts()
    r = daemon.post_form(profile(sid, "draft"), headers=idem("b"))
    body = assert_recorded(r, sid, "draft", result="unchanged")
    assert "transition_id" not in body or body["transition_id"] is None
    after = db.counts()
    assert after["callbacks"] == before["callbacks"] + 1
    assert after["transitions"] == before["transitions"]
    assert after["deliveries"] == before["deliveries"]
    assert db.scalar("SELECT result FROM callbacks WHERE idempotency_key = 't:b'") == "unchanged"


def test_unexpected_transition_is_flagged_and_still_notified(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(profile(sid, "draft")), sid, "draft")
    body = assert_recorded(daemon.post_form(profile(sid, "twilio-approved")), sid, "twilio-approved")
    [t] = db.rows("SELECT * FROM transitions WHERE id = %s", body["transition_id"])
    assert t["from_status"] == "draft" and t["to_status"] == "twilio-approved"
    assert t["unexpected"] is True
    sinks = db.rows("SELECT sink FROM deliveries WHERE transition_id = %s ORDER BY sink", t["id"])
    assert [s["sink"] for s in sinks] == ["decisions", "everything"]


def test_unknown_status_is_recorded_flagged_and_logged_as_a_warning(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(profile(sid, "draft")), sid, "draft")
    body = assert_recorded(daemon.post_form(profile(sid, "paused-for-audit")), sid, "paused-for-audit")
    [t] = db.rows("SELECT * FROM transitions WHERE id = %s", body["transition_id"])
    assert t["to_status"] == "paused-for-audit" and t["unexpected"] is True
    assert db.scalar("SELECT status FROM profiles") == "paused-for-audit"
    # Matches the unfiltered sink only.
    sinks = db.rows("SELECT sink FROM deliveries WHERE transition_id = %s", t["id"])
    assert [s["sink"] for s in sinks] == ["everything"]
    warning = daemon.wait_for_log(lambda r: warning_level(r) and "paused-for-audit" in str(r))
    assert warning is not None, "no warning log line names the unknown status:\n" + daemon.stderr()


def test_unknown_status_on_first_sight_is_flagged(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(profile(sid, "paused-for-audit")), sid, "paused-for-audit")
    [t] = db.rows("SELECT * FROM transitions")
    assert t["from_status"] is None and t["unexpected"] is True


def test_sid_is_read_from_the_documented_names_in_order(daemon, db):
    a, b, c, d = new_sid(), new_sid(), new_sid(), new_sid()
    # CustomerProfileSid wins over BundleSid; BundleSid over the rest…
    r = daemon.post_form([("Sid", d), ("BundleSid", b), ("CustomerProfileSid", a), ("Status", "draft")])
    assert_recorded(r, a, "draft")
    r = daemon.post_form([("Sid", d), ("ResourceSid", c), ("BundleSid", b), ("Status", "draft")])
    assert_recorded(r, b, "draft")
    r = daemon.post_form([("Sid", d), ("TrustProductSid", c), ("Status", "draft")])
    assert_recorded(r, c, "draft")
    r = daemon.post_form([("Sid", d), ("Status", "draft")])
    assert_recorded(r, d, "draft")


def test_request_logs_carry_the_stored_request_id(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(profile(sid, "draft")), sid, "draft")
    request_id = db.scalar("SELECT request_id FROM callbacks")
    found = daemon.wait_for_log(lambda r: r.get("request_id") == request_id)
    assert found is not None, f"no log line with request_id {request_id!r}:\n" + daemon.stderr()


def test_concurrent_retries_of_one_callback_record_it_once(daemon, db):
    sid = new_sid()
    pairs = profile(sid, "draft")
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda _: daemon.post_form(pairs, headers=idem("burst")), range(24)))
    assert all(r.status == 200 for r in responses), [r for r in responses if r.status != 200][:3]
    results = sorted(r.json()["result"] for r in responses)
    assert results.count("recorded") == 1, results
    assert results.count("duplicate") == 23, results
    assert db.counts() == {"callbacks": 1, "transitions": 1, "deliveries": 1, "profiles": 1}


def test_concurrent_callbacks_for_many_profiles_are_all_recorded(daemon, db):
    sids = [new_sid() for _ in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda s: daemon.post_form(profile(s, "pending-review")), sids))
    for sid, r in zip(sids, responses):
        assert_recorded(r, sid, "pending-review")
    ids = {r.json()["transition_id"] for r in responses}
    assert len(ids) == 40
    assert db.counts() == {"callbacks": 40, "transitions": 40, "deliveries": 40, "profiles": 40}


def test_concurrent_status_changes_of_one_profile_form_one_chain(daemon, db):
    sid = new_sid()
    statuses = ["draft", "pending-review", "in-review", "twilio-rejected", "draft",
                "pending-review", "in-review", "twilio-approved"] * 2
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(
            lambda i: daemon.post_form(profile(sid, statuses[i]), headers=idem(f"c{i}")),
            range(len(statuses))))
    assert all(r.status == 200 for r in responses), responses
    chain = db.rows("SELECT from_status, to_status FROM transitions ORDER BY id")
    assert chain[0]["from_status"] is None
    for prev, cur in zip(chain, chain[1:]):
        assert cur["from_status"] == prev["to_status"], chain
        assert cur["from_status"] != cur["to_status"], chain
    assert db.scalar("SELECT status FROM profiles") == chain[-1]["to_status"]
    assert db.scalar("SELECT count(*) FROM callbacks") == len(statuses)
