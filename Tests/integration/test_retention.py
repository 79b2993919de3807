"""retention_days (docs/contract.md §4): the daemon deletes callbacks, transitions and finished
deliveries older than the window, in batches, while callbacks keep being accepted; profiles and
whatever a delivery still waits for are kept.

STATUSHOOK_RETENTION_INTERVAL and STATUSHOOK_RETENTION_BATCH_SIZE (read only by the retention
thread) make the daemon sweep a second after start, in batches of 200."""

from __future__ import annotations

import threading
import time

import psycopg
from prometheus_client.parser import text_string_to_metric_families

from harness import new_sid, record_transition, wait_until

OLD, RECENT, PROFILES = 3000, 50, 100
RETENTION_ENV = {"STATUSHOOK_RETENTION_INTERVAL": "1s", "STATUSHOOK_RETENTION_BATCH_SIZE": "200"}


def seed(db) -> None:
    """OLD callbacks three days old and RECENT 23 hours old (inside a one-day window), each with
    its transition and a delivered delivery with one attempt, spread over PROFILES profiles. One
    more old transition still waits for sink `retired` (which no daemon serves): it stays, its
    dead sibling goes. One old notice, delivered."""
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO profiles (sid, status, friendly_name, date_created, date_updated)
            SELECT 'BU' || md5(g::text), 'in-review', 'profile ' || g, now() - interval '4 days', now() - interval '3 days'
              FROM generate_series(1, {PROFILES}) g;
            INSERT INTO callbacks (idempotency_key, request_id, sid, status, params, raw_body, path, raw_query,
                                   content_type, peer, received_at, result)
            SELECT 'seed:' || g, 'seed' || g, 'BU' || md5((g % {PROFILES} + 1)::text), 'in-review', '{{}}', '',
                   '/callbacks/twilio', '', 'application/x-www-form-urlencoded', '127.0.0.1',
                   CASE WHEN g <= {OLD} + 1 THEN now() - interval '3 days' + g * interval '1 millisecond'
                        ELSE now() - interval '23 hours' END, 'recorded'
              FROM generate_series(1, {OLD + 1 + RECENT}) g;
            INSERT INTO transitions (sid, from_status, to_status, unexpected, callback_id, occurred_at)
            SELECT sid, 'pending-review', 'in-review', false, id, received_at FROM callbacks ORDER BY id;
            INSERT INTO deliveries (transition_id, sink, state, attempts, created_at, finished_at)
            SELECT id, 'everything', 'delivered', 1, occurred_at, occurred_at FROM transitions
             WHERE id <> {OLD + 1};
            INSERT INTO deliveries (transition_id, sink, state, created_at)
            VALUES ({OLD + 1}, 'retired', 'pending', now() - interval '3 days');
            INSERT INTO deliveries (transition_id, sink, state, created_at, finished_at)
            VALUES ({OLD + 1}, 'everything', 'dead', now() - interval '3 days', now() - interval '3 days');
            INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, duration_ms, outcome, detail)
            SELECT id, 1, 'seed', created_at, 3, 'delivered', 'written' FROM deliveries WHERE state = 'delivered';
            INSERT INTO sink_notices (kind, sink, reason, occurred_at)
            VALUES ('sink_paused', 'hook', 'HTTP 410', now() - interval '2 days');
            INSERT INTO deliveries (notice_id, sink, state, created_at, finished_at)
            SELECT id, 'everything', 'delivered', occurred_at, occurred_at FROM sink_notices;
            """)


def old_rows(db) -> dict[str, int]:
    window = "now() - interval '1 day'"
    return {
        "callbacks": db.scalar(f"SELECT count(*) FROM callbacks WHERE received_at < {window}"),
        "transitions": db.scalar(f"SELECT count(*) FROM transitions WHERE occurred_at < {window}"),
        "finished": db.scalar(f"SELECT count(*) FROM deliveries WHERE state IN ('delivered', 'dead') "
                              f"AND created_at < {window}"),
        "attempts": db.scalar(f"SELECT count(*) FROM delivery_attempts WHERE started_at < {window}"),
        "notices": db.scalar("SELECT count(*) FROM sink_notices"),
    }


def recent_seeded(db) -> dict[str, int]:
    return {
        "callbacks": db.scalar("SELECT count(*) FROM callbacks WHERE starts_with(idempotency_key, 'seed:') "
                               "AND received_at >= now() - interval '1 day'"),
        "transitions": db.scalar("SELECT count(*) FROM transitions t JOIN callbacks c ON c.id = t.callback_id "
                                 "WHERE starts_with(c.idempotency_key, 'seed:') "
                                 "AND t.occurred_at >= now() - interval '1 day'"),
        "profiles": db.scalar("SELECT count(*) FROM profiles WHERE starts_with(friendly_name, 'profile ')"),
    }


def test_retention_deletes_exactly_what_is_older_than_the_window_while_callbacks_are_accepted(start, db):
    start().stop()  # the schema, by a daemon's --migrate
    seed(db)
    assert old_rows(db) == {"callbacks": OLD + 1, "transitions": OLD + 1, "finished": OLD + 2,
                            "attempts": OLD, "notices": 1}
    assert recent_seeded(db) == {"callbacks": RECENT, "transitions": RECENT, "profiles": PROFILES}

    daemon = start({"retention_days": "1"}, env=RETENTION_ENV)

    # Callbacks from four threads, and the old transitions counted, until the sweep has logged.
    swept = threading.Event()
    answers: list[tuple[float, int, dict, float]] = []  # latency, status, body, when answered
    lock = threading.Lock()

    def send():
        while not swept.is_set():
            sid, began = new_sid(), time.monotonic()
            r = daemon.post_form([("CustomerProfileSid", sid), ("Status", "draft")])
            with lock:
                answers.append((time.monotonic() - began, r.status, r.json() if r.status == 200 else {},
                                time.monotonic()))

    senders = [threading.Thread(target=send) for _ in range(4)]
    for t in senders:
        t.start()
    seen_old: list[tuple[float, int]] = []
    try:
        def sweep_logged():
            old = db.scalar("SELECT count(*) FROM transitions WHERE occurred_at < now() - interval '1 day'")
            seen_old.append((time.monotonic(), old))
            return daemon.wait_for_log(lambda r: "retention: deleted" in str(r.get("message")), timeout=0)
        record = wait_until(sweep_logged, 30, lambda: f"the retention log line:\n{daemon.stderr()[-3000:]}",
                            interval=0.02)
        time.sleep(0.3)  # a few callbacks after the sweep too
    finally:
        swept.set()
        for t in senders:
            t.join(timeout=30)

    # Exactly what was older than the window, in batches of 200.
    assert {k: int(record[k]) for k in ("callbacks", "transitions", "deliveries", "notices", "kept")} == {
        "callbacks": OLD + 1, "transitions": OLD, "deliveries": OLD + 1 + 1, "notices": 1, "kept": 1}, record
    assert int(record["batches"]) >= 2 * OLD // 200, record
    between = [(at, n) for at, n in seen_old if 1 < n < OLD + 1]
    assert len({n for _, n in between}) >= 2, f"never saw the old transitions part-deleted (batches): {seen_old}"
    during = [a for a in answers if between[0][0] <= a[3] <= between[-1][0]]
    assert during, "no callback was answered while the sweep was deleting"

    assert old_rows(db) == {"callbacks": 0, "transitions": 1, "finished": 0, "attempts": 0, "notices": 0}
    deleted = {s.labels["table"]: s.value for f in text_string_to_metric_families(daemon.get("/metrics").text)
               if f.name == "statushook_retention_deleted" for s in f.samples}
    assert deleted == {"callbacks": OLD + 1, "transitions": OLD, "deliveries": OLD + 2, "sink_notices": 1}, deleted
    kept = db.rows("SELECT t.callback_id, d.sink, d.state FROM transitions t JOIN deliveries d ON d.transition_id = t.id "
                   "WHERE t.occurred_at < now() - interval '1 day'")
    assert kept == [{"callback_id": None, "sink": "retired", "state": "pending"}], kept
    assert recent_seeded(db) == {"callbacks": RECENT, "transitions": RECENT, "profiles": PROFILES}
    assert db.scalar("SELECT count(*) FROM deliveries WHERE state = 'delivered' AND transition_id IN "
                     "(SELECT t.id FROM transitions t JOIN callbacks c ON c.id = t.callback_id "
                     "WHERE starts_with(c.idempotency_key, 'seed:'))") == RECENT

    # Every callback sent meanwhile was answered at once and recorded.
    assert len(answers) >= 20, f"only {len(answers)} callbacks were sent during the sweep"
    assert all(status == 200 and body.get("result") == "recorded" for _, status, body, _ in answers), [
        a for a in answers if a[1] != 200][:5]
    slowest = max(seconds for seconds, _, _, _ in answers)
    assert slowest < 2, f"a callback waited {slowest:.2f} s during the sweep"
    ids = [body["transition_id"] for _, _, body, _ in answers]
    assert db.scalar("SELECT count(*) FROM transitions WHERE id = ANY(%s)", ids) == len(ids)


def test_without_retention_days_nothing_is_deleted(start, db):
    start().stop()
    seed(db)
    daemon = start(env=RETENTION_ENV)
    sid = new_sid()
    record_transition(daemon, sid, "draft")
    time.sleep(2.5)  # two intervals of the knob, had retention been on
    assert old_rows(db) == {"callbacks": OLD + 1, "transitions": OLD + 1, "finished": OLD + 2,
                            "attempts": OLD, "notices": 1}
    assert not [r for r in daemon.log_records() if "retention: deleted" in str(r.get("message"))]
