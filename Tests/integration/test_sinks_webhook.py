"""The webhook sink against a real HTTP(S) receiver: Standard Webhooks signatures (checked with
the `standardwebhooks` package and by hand), the status-code rules, Retry-After, 410 pausing
the sink, timeouts and redirects (docs/contract.md §2)."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import re
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from harness import (
    assert_event_matches, attempts_of, delivery_for, describe_outbox, new_sid, new_webhook_secret,
    read_json_lines, record_transition, wait_for_delivery, wait_until, webhook_sink,
)


def signatures(request) -> list[str]:
    header = request.header("webhook-signature")
    assert header, f"no webhook-signature header: {request.headers}"
    return header.split(" ")


def by_hand(secret: str, request) -> str:
    """v1,<base64 HMAC-SHA256 of "id.timestamp.body">, keyed by the secret's base64 part."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{request.header('webhook-id')}.{request.header('webhook-timestamp')}.".encode() + request.body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret: str, request):
    """Verifies with the standardwebhooks package; returns the parsed body."""
    return Webhook(secret).verify(request.body, request.header_dict())


def transition_row(db, tid: int) -> dict:
    [row] = db.rows("SELECT * FROM transitions WHERE id = %s", tid)
    return row


def test_signed_event_verifies_with_the_standard_webhooks_rules(start_sinks, http_receiver, db):
    plain, tls = http_receiver(), http_receiver(tls=True)
    single, current, previous = new_webhook_secret(), new_webhook_secret(), new_webhook_secret()
    config = webhook_sink("hooks", plain.url("/hooks"), single)
    config.update(webhook_sink("rotating", tls.url("/rotating"), current, secret_previous=previous))
    daemon = start_sinks(config)
    sid, account = new_sid(), new_sid("AC")
    record_transition(daemon, sid, "in-review", AccountSid=account)
    tid = record_transition(daemon, sid, "twilio-rejected", AccountSid=account,
                            FailureReason="Nom commercial « Zoë » incorrect (18601)")
    transition = transition_row(db, tid)

    for receiver, path, sink in ((plain, "/hooks", "hooks"), (tls, "/rotating", "rotating")):
        receiver.wait_for_requests(2, path)
        delivery = wait_for_delivery(db, delivery_for(db, tid, sink)["id"])
        assert delivery["state"] == "delivered", describe_outbox(db)
    time.sleep(0.3)

    # One signature with one secret.
    requests = plain.requests("/hooks")
    assert len(requests) == 2, [r.target for r in requests]
    request = next(r for r in requests if r.json()["id"] == f"TR{tid}")
    assert request.method == "POST"
    assert (request.header("Content-Type") or "").startswith("application/json"), request.headers
    assert request.header("webhook-id") == str(delivery_for(db, tid, "hooks")["id"])
    timestamp = request.header("webhook-timestamp")
    assert timestamp and timestamp.isdigit() and abs(int(timestamp) - time.time()) < 60, timestamp
    assert signatures(request) == [by_hand(single, request)]
    event = verify(single, request)
    assert_event_matches(event, transition)
    assert event["failure_reason"] == "Nom commercial « Zoë » incorrect (18601)"
    # The verifier does reject what it should.
    with pytest.raises(WebhookVerificationError):
        Webhook(new_webhook_secret()).verify(request.body, request.header_dict())
    tampered = dict(request.header_dict())
    with pytest.raises(WebhookVerificationError):
        Webhook(single).verify(request.body.replace(b"twilio-rejected", b"twilio-approved"), tampered)

    # During a rotation, two signatures, one per secret, over https with the test CA.
    [rotated] = [r for r in tls.requests("/rotating") if r.json()["id"] == f"TR{tid}"]
    assert rotated.header("webhook-id") == str(delivery_for(db, tid, "rotating")["id"])
    sigs = signatures(rotated)
    assert len(sigs) == 2, sigs
    assert sorted(sigs) == sorted([by_hand(current, rotated), by_hand(previous, rotated)]), sigs
    assert verify(current, rotated) == event
    assert verify(previous, rotated) == event
    # The same event (its id) to both sinks, each delivery with its own webhook-id.
    assert rotated.header("webhook-id") != request.header("webhook-id")


def test_each_transition_is_sent_at_once_not_at_the_workers_next_look(start_sinks, http_receiver, db):
    """The writer wakes its own dispatcher once a batch with deliveries commits (the batch sends
    no NOTIFY since migration 0012): each webhook leaves within half a second, where the workers'
    own look comes every 5 s. Five in a row, so that a worker waking by its timer at the right
    moment cannot pass for the wake-up."""
    receiver = http_receiver()
    daemon = start_sinks(webhook_sink("hook", receiver.url("/hook")))
    sid = new_sid()
    record_transition(daemon, sid, "draft")  # the workers have connected and wait afterwards
    receiver.wait_for_requests(1, "/hook")
    time.sleep(0.5)
    took = []
    for n, status in enumerate(("pending-review", "in-review", "twilio-rejected", "draft", "pending-review"), start=2):
        sent = time.time()
        record_transition(daemon, sid, status)
        last = receiver.wait_for_requests(n, "/hook", timeout=10)[-1]
        took.append(round(last.at - sent, 3))
        time.sleep(0.3)
    assert max(took) < 0.5, f"seconds from each callback to its webhook: {took}\n{describe_outbox(db)}"


def test_500_then_200_is_retried_and_delivered(start_sinks, http_receiver, db):
    receiver = http_receiver()
    secret = new_webhook_secret()
    daemon = start_sinks(webhook_sink("hooks", receiver.url("/hooks", status="500,200"), secret))
    tid = record_transition(daemon, new_sid(), "draft")
    delivery = wait_for_delivery(db, delivery_for(db, tid, "hooks")["id"], timeout=20)
    assert delivery["state"] == "delivered", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    assert [a["outcome"] for a in attempts] == ["transient", "delivered"], attempts
    assert "500" in attempts[0]["detail"], attempts[0]["detail"]
    first, second = receiver.requests("/hooks")
    assert first.status == 500 and second.status == 200
    # The same delivery, the same event, each attempt signed.
    assert first.header("webhook-id") == second.header("webhook-id") == str(delivery["id"])
    assert first.body == second.body
    verify(secret, first)
    verify(secret, second)
    gap = second.at - first.at
    assert gap >= 0.75, f"retried {gap:.2f}s later; the schedule says 1s ± 20 %"


def test_429_retry_after_is_honoured(start_sinks, http_receiver, db):
    receiver = http_receiver()
    date = int(time.time()) + 4
    config = webhook_sink("seconds", receiver.url("/seconds", status="429,200", retry_after="3"))
    config.update(webhook_sink("date", receiver.url("/date", status="503,200",
                                                    retry_after=email.utils.formatdate(date, usegmt=True))))
    daemon = start_sinks(config)  # the schedule alone would retry after about 1 s
    tid = record_transition(daemon, new_sid(), "draft")
    for sink in ("seconds", "date"):
        delivery = wait_for_delivery(db, delivery_for(db, tid, sink)["id"], timeout=20)
        assert delivery["state"] == "delivered", describe_outbox(db)
        assert [a["outcome"] for a in attempts_of(db, delivery["id"])] == ["transient", "delivered"]

    first, second = receiver.requests("/seconds")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 2.9, f"Retry-After: 3, retried after {second.at - first.at:.2f}s"
    first, second = receiver.requests("/date")
    assert (first.status, second.status) == (503, 200)
    assert second.at >= date - 0.1, f"Retry-After: a date {date - second.at:.2f}s after the retry"


def test_410_pauses_the_sink_and_the_other_sinks_are_told(start_sinks, http_receiver, db, tmp_path):
    receiver = http_receiver()
    audit = tmp_path / "audit.jsonl"
    config = webhook_sink("hooks", receiver.url("/hooks", status="410"))
    config.update({"sink.audit.type": "log", "sink.audit.path": str(audit)})
    daemon = start_sinks(config)
    sid = new_sid()
    first = record_transition(daemon, sid, "draft")

    gone = wait_for_delivery(db, delivery_for(db, first, "hooks")["id"], states=("dead", "pending"))
    assert [a["outcome"] for a in attempts_of(db, gone["id"])] == ["gone"], describe_outbox(db)
    [state] = db.rows("SELECT * FROM sink_state WHERE sink = 'hooks'")
    assert state["paused"] is True, state
    assert "410" in (state["paused_reason"] or ""), state

    # The log sink has the transition and the notice.
    lines = wait_until(lambda: (l := read_json_lines(audit)) and len(l) >= 2 and l, 10,
                       lambda: f"2 lines in the audit log: {audit.read_text() if audit.exists() else None!r}")
    notices = [l for l in lines if l.get("type") == "statushook.sink_paused"]
    assert len(notices) == 1, lines
    [notice] = notices
    assert notice["sink"] == "hooks", notice
    assert isinstance(notice.get("reason"), str) and notice["reason"], notice
    assert notice.get("id") and notice.get("occurred_at"), notice
    assert [l["id"] for l in lines if l.get("type") == "customer_profile.status_changed"] == [f"TR{first}"]
    [notice_row] = db.rows("SELECT * FROM deliveries WHERE notice_id IS NOT NULL")
    assert notice_row["sink"] == "audit" and notice_row["state"] == "delivered", notice_row

    # Paused: the next transition reaches the log sink, and not the receiver.
    second = record_transition(daemon, sid, "pending-review")
    wait_for_delivery(db, delivery_for(db, second, "audit")["id"])
    time.sleep(1.5)
    assert len(receiver.requests()) == 1, [r.target for r in receiver.requests()]
    assert delivery_for(db, second, "hooks")["state"] == "pending", describe_outbox(db)
    assert len([l for l in read_json_lines(audit) if l.get("type") == "statushook.sink_paused"]) == 1


def test_a_hanging_receiver_is_cut_at_the_timeout(start_sinks, http_receiver, db):
    receiver = http_receiver()
    daemon = start_sinks({**webhook_sink("hooks", receiver.url("/hooks", hang="30"), timeout="1s"),
                          "retry_schedule": "1s"})
    tid = record_transition(daemon, new_sid(), "draft")
    receiver.wait_for_requests(1)
    # Ingest never waits for a sink: callbacks are answered at once while it hangs.
    began = time.monotonic()
    record_transition(daemon, new_sid(), "draft")
    assert time.monotonic() - began < 1.0, "a callback waited for the hanging sink"

    delivery = wait_for_delivery(db, delivery_for(db, tid, "hooks")["id"], timeout=15)
    assert delivery["state"] == "dead", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    assert [a["outcome"] for a in attempts] == ["transient", "transient"], attempts
    for a in attempts:
        assert 800 <= a["duration_ms"] <= 4000, f"an attempt of {a['duration_ms']} ms with a 1 s timeout"
        assert re.search(r"time[d ]?\s*out|timeout", a["detail"], re.I), a["detail"]
    assert re.search(r"time[d ]?\s*out|timeout", delivery["last_error"] or "", re.I), delivery["last_error"]


def test_redirects_are_not_followed(start_sinks, http_receiver, db):
    receiver = http_receiver()
    elsewhere = receiver.url("/elsewhere")
    config = {}
    for code in (301, 302, 307, 308):
        config.update(webhook_sink(f"r{code}", receiver.url(f"/r{code}", status=str(code), location=elsewhere)))
    daemon = start_sinks(config)
    tid = record_transition(daemon, new_sid(), "draft")
    for code in (301, 302, 307, 308):
        delivery = wait_for_delivery(db, delivery_for(db, tid, f"r{code}")["id"])
        assert delivery["state"] == "dead", describe_outbox(db)
        assert [a["outcome"] for a in attempts_of(db, delivery["id"])] == ["permanent"]
        assert str(code) in (delivery["last_error"] or ""), delivery["last_error"]
    time.sleep(0.5)
    assert receiver.requests("/elsewhere") == [], "a redirect was followed"
    assert sorted(r.path for r in receiver.requests()) == ["/r301", "/r302", "/r307", "/r308"]


def test_status_codes_transient_and_permanent(start_sinks, http_receiver, db):
    receiver = http_receiver()
    script = {"s400": "400", "s404": "404", "s422": "422", "s408": "408,200", "s503": "503,200",
              "s204": "204"}
    config = {}
    for sink, statuses in script.items():
        config.update(webhook_sink(sink, receiver.url(f"/{sink}", status=statuses)))
    daemon = start_sinks(config)
    tid = record_transition(daemon, new_sid(), "draft")
    want = {"s400": ("dead", ["permanent"]), "s404": ("dead", ["permanent"]), "s422": ("dead", ["permanent"]),
            "s408": ("delivered", ["transient", "delivered"]), "s503": ("delivered", ["transient", "delivered"]),
            "s204": ("delivered", ["delivered"])}
    for sink, (state, outcomes) in want.items():
        delivery = wait_for_delivery(db, delivery_for(db, tid, sink)["id"], timeout=20)
        assert delivery["state"] == state, f"{sink}:\n{describe_outbox(db)}"
        assert [a["outcome"] for a in attempts_of(db, delivery["id"])] == outcomes, sink


@pytest.mark.parametrize("certificate", ["rogue", "wrong_name"])
def test_an_untrusted_certificate_is_refused(start_sinks, http_receiver, db, certificate):
    """Self-signed, or signed by the trusted CA for another host name: no request is sent."""
    receiver = http_receiver(tls=True, certificate=certificate)
    daemon = start_sinks({**webhook_sink("hooks", receiver.url("/hooks")), "retry_schedule": "1s"})
    tid = record_transition(daemon, new_sid(), "draft")
    delivery = wait_for_delivery(db, delivery_for(db, tid, "hooks")["id"], timeout=15)
    assert delivery["state"] == "dead", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    # Transient (a renewed certificate ends it): tried again on the schedule, dead once it is spent.
    assert [a["outcome"] for a in attempts] == ["transient", "transient"], attempts
    assert all(re.search(r"tls|ssl|certificate|verif|host ?name|subject", a["detail"], re.I) for a in attempts), attempts
    assert receiver.requests() == [], "a request was sent over a connection to an untrusted certificate"
