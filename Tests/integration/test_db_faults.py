"""Database faults (docs/contract.md §5): statushook started before its PostgreSQL exists waits
with backoff, says so on /readyz and answers callbacks 503 until the database comes, then serves
without a restart; PostgreSQL restarted (fast and immediate shutdown) under a stream of signed
callbacks gives 2xx or 503 and nothing else, never a 2xx for a callback that is not committed,
and statushook recovers by itself and delivers every recorded transition."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from harness import (
    Cluster, Database, assert_recorded, assert_twilio_error, callback_params, http_request, new_sid,
    read_json_lines, report_figure, wait_for_status, wait_until, webhook_sink,
)
from loadgen import (
    CallbackLoad, assert_acknowledged_recorded_once, log_event_ids, webhook_event_ids,
    wait_for_every_delivery,
)


@pytest.fixture
def future_cluster():
    """A cluster whose address is known but that does not exist yet (create() makes it).
    Request it before `start`, so that daemons stop first."""
    cluster = Cluster(create=False)
    yield cluster
    cluster.remove()


def answer(daemon, path: str):
    """GET path, or None while nothing listens."""
    try:
        return http_request(daemon.port, "GET", path)
    except OSError:
        return None


def waiting_records(daemon) -> list[dict]:
    return [r for r in daemon.log_records() if r.get("message") == "waiting for the database"]


def test_started_before_its_database_exists_it_waits_then_serves_without_a_restart(future_cluster, start, tmp_path):
    daemon = start(database_url=future_cluster.conninfo, wait_ready=False)
    pid = daemon.proc.pid

    # It listens at once, and says that it waits.
    wait_until(lambda: (r := answer(daemon, "/healthz")) is not None and r.status == 200, 10,
               lambda: f"/healthz while waiting for the database:\n{daemon.stderr()}")
    waits = wait_until(lambda: (w := waiting_records(daemon)) and len(w) >= 3 and w, 15,
                       lambda: f"three 'waiting for the database' lines:\n{daemon.stderr()}")
    # With a backoff: each wait longer than the one before, and really waited.
    assert [int(w["attempt"]) for w in waits[:3]] == [1, 2, 3], waits
    delays = [int(w["retry_in_ms"]) for w in waits[:3]]
    assert delays[0] <= 1000 and delays[0] < delays[1] < delays[2], delays
    times = [datetime.fromisoformat(w["time"].replace("Z", "+00:00")) for w in waits[:3]]
    for (a, b), delay in zip(zip(times, times[1:]), delays):
        assert (b - a).total_seconds() >= 0.9 * delay / 1000, (times, delays)
    assert waits[0]["level"] == "warning", waits[0]
    assert str(future_cluster.port) in waits[0]["error"], waits[0]

    # /readyz: not ready, and why (its JSON names the database's address).
    ready = http_request(daemon.port, "GET", "/readyz")
    assert ready.status == 503, ready
    report = ready.json()
    assert report["ready"] is False, report
    assert f".s.PGSQL.{future_cluster.port}" in report["database"], report
    assert report["ingest"] == "starting", report

    # A signed callback: 503 with Retry-After (Twilio retries it).
    sid = new_sid()
    pairs = callback_params(sid, "draft")
    headers = {"I-Twilio-Idempotency-Token": "sent-before-the-database"}
    early = daemon.post_form(pairs, headers=headers)
    assert_twilio_error(early, 503)
    assert (early.header("Retry-After") or "").strip().isdigit(), early.headers
    assert daemon.is_running(), daemon.stderr()

    # The database comes: initdb, start, CREATE DATABASE (a while of "database does not exist"
    # in between, which is waited out the same way).
    created_at = time.monotonic()
    future_cluster.create()
    ready = wait_for_status(lambda: http_request(daemon.port, "GET", "/readyz"), 200, timeout=30)
    assert ready.status == 200, f"{ready!r}\n{daemon.stderr()}"
    assert ready.json()["ready"] is True
    noticed_after = time.monotonic() - created_at
    assert daemon.is_running() and daemon.proc.pid == pid, "statushook was restarted"

    # Twilio's retry of the callback is recorded, once, and reaches the sinks.
    body = assert_recorded(daemon.post_form(pairs, headers=headers), sid, "draft")
    db = Database(future_cluster.admin_conninfo, "statushook")
    assert db.counts() == {"callbacks": 1, "transitions": 1, "deliveries": 1, "profiles": 1}, db.counts()
    everything = tmp_path / "everything.log"
    wait_until(lambda: [l["id"] for l in read_json_lines(everything)] == [f"TR{body['transition_id']}"], 15,
               lambda: f"the transition in the log sink: {everything.read_text() if everything.exists() else 'no file'}")
    assert any(r.get("message") == "database reachable" for r in daemon.log_records()), daemon.stderr()
    print(f"waited {len(waiting_records(daemon))} times; ready {noticed_after:.1f}s after the cluster was made")


def test_sigterm_while_waiting_for_the_database_exits_0(future_cluster, start):
    daemon = start(database_url=future_cluster.conninfo, wait_ready=False)
    wait_until(lambda: waiting_records(daemon), 10, lambda: f"a 'waiting for the database' line:\n{daemon.stderr()}")
    began = time.monotonic()
    assert daemon.stop() == 0, daemon.stderr()
    assert time.monotonic() - began < 5, "SIGTERM took more than 5 s while waiting for the database"
    assert not any("no exit" in line for line in daemon.stderr_lines), daemon.stderr()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restarted_under_load_gives_2xx_or_503_loses_nothing_and_recovers(
        mode, own_cluster, start, http_receiver, tmp_path):
    receiver = http_receiver()
    journal = tmp_path / "journal.jsonl"
    config = webhook_sink("hook", receiver.url("/hook"))
    config.update({"sink.journal.type": "log", "sink.journal.path": str(journal),
                   "retry_schedule": "1s, 1s, 1s, 1s, 1s"})
    daemon = start(config, database_url=own_cluster.conninfo, default_sinks=False)
    pid = daemon.proc.pid
    db = Database(own_cluster.admin_conninfo, "statushook")

    load = CallbackLoad(lambda: daemon, threads=4, pace=0.03, timeout=10.0).start()
    try:
        wait_until(lambda: len(load.acked()) >= 40, 20, "40 callbacks acknowledged before the restart")
        stopped_at = time.time()
        own_cluster.stop(mode)
        wait_until(lambda: any(a.answer == "503" and a.at > stopped_at for a in load.attempts()), 15,
                   lambda: f"a 503 while PostgreSQL is down (answers {load.answers()})")
        down = wait_for_status(lambda: daemon.get("/readyz"), 503, timeout=10)
        assert down.status == 503 and down.json()["ready"] is False, down
        own_cluster.start()
        started_at = time.time()
        wait_until(lambda: load.acked_after(started_at) >= 80, 30,
                   lambda: f"80 callbacks acknowledged after PostgreSQL came back (answers {load.answers()})")
    finally:
        load.stop()

    assert daemon.is_running() and daemon.proc.pid == pid, "statushook was restarted:\n" + daemon.stderr()
    ready = wait_for_status(lambda: daemon.get("/readyz"), 200, timeout=15)
    assert ready.status == 200, ready

    # Every answer was a 2xx or a 503 with Retry-After: no 500, no reset, nothing beyond the bound.
    answers = load.answers()
    others = {k: n for k, n in answers.items() if not (k.startswith("2") or k == "503")}
    assert not others, f"answers other than 2xx and 503: {others} (all: {answers})"
    attempts = load.attempts()
    assert all((a.retry_after or "").strip().isdigit() for a in attempts if a.answer == "503"), "a 503 without Retry-After"
    assert answers["503"] > 0, f"no 503 at all while PostgreSQL was down: {answers}"
    slowest = max(a.elapsed for a in attempts)

    counts = assert_acknowledged_recorded_once(db, load)
    sinks = {"hook": lambda: webhook_event_ids(receiver, "/hook"), "journal": lambda: log_event_ids(journal)}
    drained = False
    try:
        wait_for_every_delivery(db, sinks)
        drained = True
    finally:
        got = {sink: received() for sink, received in sinks.items()}
        transitions = db.scalar("SELECT count(*) FROM transitions")
        report_figure(
            f"DBFAULT mode={mode} sent={counts['sent']} acked={counts['acked']} recorded={counts['recorded']} "
            f"transitions={transitions} delivered hook={len(set(got['hook']))} journal={len(set(got['journal']))}"
            f"{'' if drained else ' OUTBOX NOT DRAINED'} "
            f"({len(got['hook'])} hook requests, {len(got['journal'])} journal lines; "
            f"answers {dict(sorted(answers.items()))}; slowest answer {slowest:.2f}s)")
