"""The TrustHub REST API (docs/contract.md §7) against a local fake that serves the documented JSON shapes
(Tests/support/fake_trusthub.py): enrichment, the reconciler, rate limits, a refused
credential, and what never reaches the log."""

from __future__ import annotations

import time

import requests

from harness import (
    TOKEN, delivery_for, new_sid, read_json_lines, record_transition, wait_for_delivery, wait_until,
)
from trusthub_peer import ACCOUNT_SID, TrustHubFake, profile, trusthub_config

HISTORY_USER, HISTORY_PASSWORD = "reader", "history-secret-91b2"
FROM, TO = "statushook@example.com", "ops@example.com"


def history(daemon, path: str) -> requests.Response:
    return requests.get(f"{daemon.base_url}{path}", auth=(HISTORY_USER, HISTORY_PASSWORD), timeout=20)


def transitions(db, sid: str | None = None) -> list[dict]:
    if sid is None:
        return db.rows("SELECT * FROM transitions ORDER BY id")
    return db.rows("SELECT * FROM transitions WHERE sid = %s ORDER BY id", sid)


def assert_nothing_secret_in_output(daemon, fake: TrustHubFake, *secrets: str) -> None:
    output = daemon.stderr() + "\n" + daemon.stdout()
    for needle in (fake.base, f"127.0.0.1:{fake.port}", f":{fake.port}/", TOKEN, *secrets):
        assert needle not in output, f"{needle!r} appears in the daemon's output"


def api_calls(daemon, call: str) -> dict[str, float]:
    """`statushook_trusthub_requests_total` for `call`, by outcome, from /metrics."""
    from test_metrics import Scrape

    scrape = Scrape(daemon)
    return {dict(labels)["outcome"]: value for (name, labels), value in scrape.samples.items()
            if name == "statushook_trusthub_requests_total" and dict(labels).get("call") == call}


# ---- enrichment ---------------------------------------------------------------------------


def test_enrichment_fills_the_history_resource_the_email_and_the_webhook_event(
        start_sinks, fake, smtp_server, http_receiver, db):
    rejected = profile("twilio-rejected", errors=[{"code": 18601}], valid_until="2027-01-31T00:00:00Z",
                       status_callback="https://hooks.example.com/callbacks/twilio",
                       date_created="2026-01-02T03:04:05Z", date_updated="2026-11-20T10:00:00Z")
    fake.set_profiles(rejected)
    sid = rejected["sid"]
    server = smtp_server(tls="none")
    receiver = http_receiver()
    daemon = start_sinks({
        **trusthub_config(fake),
        "history_username": HISTORY_USER, "history_password": HISTORY_PASSWORD,
        "sink.mail.type": "smtp", "sink.mail.smarthost": f"127.0.0.1:{server.port}", "sink.mail.tls": "none",
        "sink.mail.from": FROM, "sink.mail.to": TO,
        "sink.hook.type": "webhook", "sink.hook.url": receiver.url("/hook"),
        "sink.hook.secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    })

    transition = record_transition(daemon, sid, "twilio-rejected", AccountSid=ACCOUNT_SID,
                                   FailureReason="Error 18601: business name and website")

    [mail] = server.wait_for_messages(1)
    subject, text = str(mail.message["Subject"]), mail.body_text()
    assert subject == f"Customer profile Acme Corp ({sid}) is now twilio-rejected: 18601", subject
    assert text.startswith(f"Customer profile Acme Corp ({sid}) was rejected: 18601 Error 18601: business name and website\n"), text
    assert "Email:    compliance@acme.example" in text, text
    assert "https://www.twilio.com/docs/errors/18601" in text, text

    [hook] = receiver.wait_for_requests(1, path="/hook")
    event = hook.json()
    assert event["id"] == f"TR{transition}" and event["sid"] == sid, event
    assert event["profile"] == {
        "friendly_name": "Acme Corp", "policy_sid": rejected["policy_sid"], "email": "compliance@acme.example",
        "status_callback": "https://hooks.example.com/callbacks/twilio", "valid_until": "2027-01-31T00:00:00.000000Z",
        "errors": [{"code": 18601}], "date_created": "2026-01-02T03:04:05.000000Z",
        "date_updated": "2026-11-20T10:00:00.000000Z",
    }, event

    resource = history(daemon, f"/v1/CustomerProfiles/{sid}").json()
    assert {k: resource[k] for k in ("sid", "account_sid", "policy_sid", "friendly_name", "status", "email",
                                     "status_callback", "valid_until", "date_created", "errors")} == {
        "sid": sid, "account_sid": ACCOUNT_SID, "policy_sid": rejected["policy_sid"], "friendly_name": "Acme Corp",
        "status": "twilio-rejected", "email": "compliance@acme.example",
        "status_callback": "https://hooks.example.com/callbacks/twilio", "valid_until": "2027-01-31T00:00:00Z",
        "date_created": "2026-01-02T03:04:05Z", "errors": [{"code": 18601}],
    }, resource

    # Twilio's own SDK reads the enriched resource from the history API.
    from test_history_api import StatushookHTTPClient
    from twilio.rest import Client

    fetched = Client(HISTORY_USER, HISTORY_PASSWORD, http_client=StatushookHTTPClient(daemon.port)) \
        .trusthub.v1.customer_profiles(sid).fetch()
    assert (fetched.email, fetched.policy_sid, fetched.errors) == (
        "compliance@acme.example", rejected["policy_sid"], [{"code": 18601}])

    # One fetch for the transition, whatever the number of sinks, with HTTP Basic: SID and token.
    fetches = fake.requests("fetch")
    assert [r["path"] for r in fetches] == [f"/v1/CustomerProfiles/{sid}"], fetches
    assert (fetches[0]["username"], fetches[0]["password"]) == (ACCOUNT_SID, TOKEN)
    # /metrics counts the call by its outcome, as the API saw it.
    assert api_calls(daemon, "fetch") == {"ok": len(fetches)}, api_calls(daemon, "fetch")
    assert requests.get(f"{daemon.base_url}/readyz", timeout=10).json()["trusthub"] == "ok"
    assert_nothing_secret_in_output(daemon, fake)


def test_enrichment_never_holds_a_notification_and_is_retried_with_a_later_batch(start_sinks, fake, tmp_path, db):
    p = profile("pending-review", friendly_name="Late Corp")
    fake.set_profiles(p)
    # The API is in trouble for the first fetch: the notification goes out without the profile.
    fake.script({"status": 503}, match="fetch")
    log_path = tmp_path / "events.log"
    daemon = start_sinks({**trusthub_config(fake), "sink.log.type": "log", "sink.log.path": str(log_path)})

    first = record_transition(daemon, p["sid"], "pending-review")
    wait_for_delivery(db, delivery_for(db, first, "log")["id"], states=("delivered",))
    [event] = read_json_lines(log_path)
    assert event["id"] == f"TR{first}" and "profile" not in event, event
    assert [r["status"] for r in fake.requests("fetch")] == [503]

    # The next transition of the profile is fetched again, and the event has it all.
    fake.patch(p["sid"], status="in-review")
    second = record_transition(daemon, p["sid"], "in-review")
    wait_for_delivery(db, delivery_for(db, second, "log")["id"], states=("delivered",))
    event = read_json_lines(log_path)[-1]
    assert event["id"] == f"TR{second}" and event["profile"]["friendly_name"] == "Late Corp", event
    assert event["profile"]["email"] == "compliance@acme.example", event
    assert [r["status"] for r in fake.requests("fetch")] == [503, 200]


def test_a_slow_api_does_not_hold_the_notification_past_the_bound(start_sinks, fake, tmp_path, db):
    p = profile("draft", friendly_name="Slow Corp")
    fake.set_profiles(p)
    fake.script({"delay": 8}, match="fetch")
    log_path = tmp_path / "events.log"
    daemon = start_sinks({**trusthub_config(fake), "sink.log.type": "log", "sink.log.path": str(log_path)})
    sent = time.monotonic()
    transition = record_transition(daemon, p["sid"], "draft")
    # The enrichment bound is 2 s: the event is out well before the API's 8 s answer.
    wait_until(lambda: read_json_lines(log_path), 6, "the event, before the slow API answered")
    assert time.monotonic() - sent < 7
    [event] = read_json_lines(log_path)
    assert event["id"] == f"TR{transition}" and "profile" not in event, event
    assert daemon.wait_for_log(lambda r: r.get("message") == "profile enrichment postponed"
                               and "timeout" in str(r.get("error")), timeout=5), daemon.stderr()


# ---- the reconciler -----------------------------------------------------------------------


def test_a_lost_callback_is_found_by_the_reconciler_and_notified_once(start, fake, db, tmp_path):
    known, quiet = profile("in-review"), profile("draft")
    fake.set_profiles(known, quiet)
    daemon = start(trusthub_config(fake, reconcile_interval="1s"))

    # Statushook had never heard of these: the first pass records each once, first seen.
    wait_until(lambda: len(transitions(db)) == 2, 15, lambda: f"2 transitions, got {transitions(db)}")
    first = {t["sid"]: t for t in transitions(db)}
    assert {(t["from_status"], t["to_status"], t["source"]) for t in first.values()} == {
        (None, "in-review", "reconcile"), (None, "draft", "reconcile")}

    # The profile is approved at Twilio and the callback is lost: no callback is sent.
    fake.patch(known["sid"], status="twilio-approved", errors=None)
    found = wait_until(lambda: [t for t in transitions(db, known["sid"]) if t["to_status"] == "twilio-approved"],
                       15, "the reconciler to find the approval")
    [approval] = found
    assert (approval["from_status"], approval["source"], approval["callback_id"], approval["unexpected"]) == (
        "in-review", "reconcile", None, False), approval

    # Notified once, through both sinks (the decisions sink takes approvals), and never again on later passes.
    for sink in ("everything", "decisions"):
        wait_for_delivery(db, delivery_for(db, approval["id"], sink)["id"], states=("delivered",))
    passes = len([r for r in daemon.log_records() if r.get("message") == "reconciliation pass done"])
    wait_until(lambda: len([r for r in daemon.log_records() if r.get("message") == "reconciliation pass done"])
               >= passes + 2, 15, "two more passes")
    assert len(transitions(db)) == 3, transitions(db)
    events = [e for e in read_json_lines(tmp_path / "decisions.log") if e["to"] == "twilio-approved"]
    assert [e["id"] for e in events] == [f"TR{approval['id']}"], events
    assert db.scalar("SELECT status FROM profiles WHERE sid = %s", known["sid"]) == "twilio-approved"
    # The listed fields were stored as the API gave them.
    assert db.scalar("SELECT email FROM profiles WHERE sid = %s", quiet["sid"]) == "compliance@acme.example"
    assert_nothing_secret_in_output(daemon, fake)


def test_a_callback_after_the_reconciler_found_the_change_is_unchanged(start, fake, db):
    p = profile("in-review")
    fake.set_profiles(p)
    daemon = start(trusthub_config(fake, reconcile_interval="1s"))
    wait_until(lambda: transitions(db, p["sid"]), 15, "the first sight")
    fake.patch(p["sid"], status="twilio-rejected", errors=[{"code": 18602}])
    wait_until(lambda: len(transitions(db, p["sid"])) == 2, 15, "the rejection found")
    # Twilio's late callback repeats a status statushook already has: no second notification.
    r = daemon.post_form([("CustomerProfileSid", p["sid"]), ("Status", "twilio-rejected")])
    assert r.status == 200 and r.json()["result"] == "unchanged", r
    assert len(transitions(db, p["sid"])) == 2


def test_two_instances_reconcile_without_duplicate_transitions(start, fake, db):
    profiles = [profile(s) for s in ("draft", "pending-review", "in-review", "in-review", "twilio-approved")]
    fake.set_profiles(*profiles)
    fake.max_page_size(2)  # three pages, followed by meta.next_page_url
    config = trusthub_config(fake, reconcile_interval="1s")
    first, second = start(config), start(config)
    wait_until(lambda: len(transitions(db)) == 5, 20, lambda: f"5 transitions, got {len(transitions(db))}")

    fake.patch(profiles[2]["sid"], status="twilio-approved")
    fake.patch(profiles[3]["sid"], status="twilio-rejected", errors=[{"code": 18601}])
    fake.patch(profiles[0]["sid"], status="pending-review")
    wait_until(lambda: len(transitions(db)) == 8, 20, lambda: f"8 transitions, got {transitions(db)}")

    # Several more passes of both instances change nothing.
    seen = len(fake.requests("list"))
    wait_until(lambda: len(fake.requests("list")) >= seen + 9, 20, "three more passes")
    rows = transitions(db)
    assert len(rows) == 8, rows
    pairs = [(t["sid"], t["to_status"]) for t in rows]
    assert len(set(pairs)) == len(pairs), pairs
    # One delivery per transition and sink.
    assert db.scalar("SELECT count(*) FROM deliveries d JOIN transitions t ON t.id = d.transition_id "
                     "WHERE t.source = 'reconcile' AND d.sink = 'everything'") == 8
    # Both ran passes (the lock is taken in turn), never both at once: pages of one pass stay in order.
    done = [len([r for r in d.log_records() if r.get("message") == "reconciliation pass done"]) for d in (first, second)]
    assert sum(done) >= 3, done


def test_429_with_retry_after_slows_the_reconciler_down(start, fake, db):
    profiles = [profile("draft") for _ in range(3)]
    fake.set_profiles(*profiles)
    fake.max_page_size(1)
    # The first list request is rate limited for 2 s, the retry meets a 503 without Retry-After.
    fake.script({"status": 429, "retry_after": "2"}, {"status": 503}, match="list")
    daemon = start(trusthub_config(fake, reconcile_interval="1h"))
    wait_until(lambda: len(transitions(db)) == 3, 30, lambda: f"3 transitions, got {transitions(db)}")

    lists = fake.requests("list")
    assert [r["status"] for r in lists] == [429, 503, 200, 200, 200], lists
    # The pass then reads the TrustProducts list (empty here): one more "list" call, the fourth ok.
    wait_until(lambda: len(fake.requests("tp_list")) == 1, 10, lambda: f"one TrustProducts list, got {fake.requests('tp_list')}")
    wait_until(lambda: api_calls(daemon, "list") == {"rate_limited": 1, "unavailable": 1, "ok": 4}, 10,
               lambda: f"list calls counted: {api_calls(daemon, 'list')}")
    at = [r["at"] for r in lists]
    assert at[1] - at[0] >= 1.9, f"Retry-After 2 was not honoured: {at[1] - at[0]:.2f}s"
    assert at[2] - at[1] >= 0.9, f"no backoff after a 503: {at[2] - at[1]:.2f}s"
    assert all(b - a >= 0.15 for a, b in zip(at[2:], at[3:])), f"pages not spaced: {at}"
    warnings = [r for r in daemon.log_records() if r.get("message") == "reconciliation: waiting before trying the page again"]
    assert len(warnings) == 2, warnings


def test_a_401_is_a_clear_error_in_the_log_and_readyz_and_the_daemon_keeps_running(start, fake, db):
    fake.require_auth(ACCOUNT_SID, "not-the-daemons-token")
    fake.set_profiles(profile("draft"))
    daemon = start(trusthub_config(fake, reconcile_interval="1s"))

    record = daemon.wait_for_log(lambda r: "refused the credentials" in str(r.get("message", "")), timeout=15)
    assert record is not None, daemon.stderr()
    assert str(record.get("level", "")).lower() == "error", record
    assert "401" in str(record) and "20003" in str(record), record

    r = requests.get(f"{daemon.base_url}/readyz", timeout=10)
    assert r.status_code == 200, r.text  # callbacks are still recorded: ready
    detail = r.json()["trusthub"]
    assert detail.startswith("error:") and "401" in detail and "credentials" in detail, detail

    time.sleep(3)
    assert daemon.is_running(), daemon.stderr()
    # No loop hammering the API: the refusal pauses the calls.
    assert len(fake.requests("list")) <= 2, fake.requests("list")
    assert api_calls(daemon, "list") == {"unauthorized": len(fake.requests("list"))}, api_calls(daemon, "list")
    # Callbacks are recorded as ever.
    record_transition(daemon, new_sid(), "draft")
    assert_nothing_secret_in_output(daemon, fake, "not-the-daemons-token")


def test_api_key_credentials_are_sent_and_never_logged(start, fake, db):
    from trusthub_peer import API_KEY, API_SECRET

    fake.require_auth(API_KEY, API_SECRET)
    p = profile("draft")
    fake.set_profiles(p)
    daemon = start({"twilio_api_key": API_KEY, "twilio_api_secret": API_SECRET, "twilio_api_base": fake.base,
                    "reconcile_interval": "1s", "log_level": "debug"})
    wait_until(lambda: transitions(db, p["sid"]), 15, "the reconciler's first sight")
    assert {(r["username"], r["password"]) for r in fake.requests()} == {(API_KEY, API_SECRET)}
    assert_nothing_secret_in_output(daemon, fake, API_SECRET)
