"""The dispatcher (docs/contract.md §2): at least once through a SIGKILL, several daemons on one
database without a delivery attempted twice at once, pausing after failures in a row, and the
`statushook deliveries` and `statushook replay` commands."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import psycopg

from harness import (
    attempts_of, deliveries_by_state, delivery_for, describe_outbox, new_sid, read_json_lines,
    record_transition, run_cli, wait_for_delivery, wait_for_delivery_states, wait_until, webhook_sink,
)


def burst(daemons, count: int) -> list[int]:
    """`count` transitions (one new profile each), posted 8 at a time, spread over the daemons."""
    def one(i: int) -> int:
        return record_transition(daemons[i % len(daemons)], new_sid(), "draft")
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def event_ids_received(receiver, path: str) -> list[str]:
    return [r.json()["id"] for r in receiver.requests(path)]


def test_sigkill_in_a_burst_then_restart_delivers_every_transition_to_every_sink(start_sinks, http_receiver, db):
    receiver = http_receiver()
    # Two slowish sinks, so that the kill lands with deliveries done, in flight and still queued.
    config = webhook_sink("a", receiver.url("/a", delay="0.02"))
    config.update(webhook_sink("b", receiver.url("/b", delay="0.02")))
    first = start_sinks(config)
    transitions = burst([first], 200)
    assert len(set(transitions)) == 200

    wait_until(lambda: len(receiver.requests()) >= 60, 20,
               lambda: f"60 requests at the receiver (got {len(receiver.requests())}):\n{describe_outbox(db)}")
    first.kill()
    at_kill = deliveries_by_state(db)
    assert at_kill.get("delivered", 0) < 400, f"the burst was over before the kill: {at_kill}; slow the receiver"
    assert sum(at_kill.values()) == 400, at_kill
    in_flight = [r["id"] for r in db.rows("SELECT id FROM deliveries WHERE state = 'delivering'")]
    assert in_flight, f"no claim was in flight at the kill: {at_kill}"

    # The killed daemon's leases run for 300 s, but they name its host and pid: the restarted
    # daemon sees that process is gone and takes its deliveries back at once, without waiting.
    leases = db.rows("SELECT lease_expires_at > now() + interval '60 seconds' AS long FROM deliveries "
                     "WHERE state = 'delivering'")
    assert leases and all(r["long"] for r in leases), leases

    restarted_at = time.time()
    start_sinks(config)
    wait_for_delivery_states(db, {"delivered": 400}, timeout=30)
    time.sleep(0.3)

    # Every transition reached every sink at least once: count them at the receiver.
    want = sorted(f"TR{t}" for t in transitions)
    for path in ("/a", "/b"):
        got = event_ids_received(receiver, path)
        missing = set(want) - set(got)
        assert not missing, f"{len(missing)} transitions never reached {path}: {sorted(missing)[:10]}"
        assert len(set(got)) == 200, f"{path}: {len(set(got))} distinct events"
        assert len(got) >= 200
    assert any(r.at >= restarted_at for r in receiver.requests()), "the restarted daemon delivered nothing"
    # The attempts the kill cut short are on record as abandoned.
    for delivery_id in in_flight:
        outcomes = [a["outcome"] for a in attempts_of(db, delivery_id)]
        assert "abandoned" in outcomes and outcomes[-1] == "delivered", (delivery_id, outcomes)


def test_two_daemons_on_one_database_never_attempt_one_delivery_at_once(start_sinks, http_receiver, db):
    receiver = http_receiver()
    config = webhook_sink("hooks", receiver.url("/hooks", delay="0.01"))
    one = start_sinks(config)
    two = start_sinks(config)
    transitions = burst([one, two], 200)
    wait_for_delivery_states(db, {"delivered": 200}, timeout=60)
    time.sleep(0.3)

    attempts = db.rows("SELECT delivery_id, attempt, worker, started_at, duration_ms, outcome "
                       "FROM delivery_attempts ORDER BY delivery_id, started_at")
    by_delivery = defaultdict(list)
    for a in attempts:
        by_delivery[a["delivery_id"]].append(a)
    assert len(by_delivery) == 200, f"{len(by_delivery)} deliveries with attempts"
    for delivery_id, rows in by_delivery.items():
        for i, a in enumerate(rows):
            a_end = a["started_at"] + timedelta(milliseconds=a["duration_ms"])
            for b in rows[i + 1:]:
                b_end = b["started_at"] + timedelta(milliseconds=b["duration_ms"])
                overlap = a["started_at"] < b_end and b["started_at"] < a_end
                assert not (overlap and a["worker"] != b["worker"]), (
                    f"delivery {delivery_id} attempted by {a['worker']} and {b['worker']} at once: {rows}")
    # A healthy run: one attempt per delivery, each event received once.
    assert all(len(rows) == 1 for rows in by_delivery.values()), (
        {d: [(r["worker"], r["outcome"]) for r in rows] for d, rows in by_delivery.items() if len(rows) > 1})
    webhook_ids = [r.header("webhook-id") for r in receiver.requests("/hooks")]
    assert len(webhook_ids) == 200 and len(set(webhook_ids)) == 200, (
        f"{len(webhook_ids)} requests, {len(set(webhook_ids))} deliveries")
    assert sorted(event_ids_received(receiver, "/hooks")) == sorted(f"TR{t}" for t in transitions)

    # Both daemons took part (else the test proved nothing): workers name their process.
    workers = {a["worker"] for a in attempts}
    pids = {str(one.proc.pid), str(two.proc.pid)}
    by_pid = {pid: [w for w in workers if re.search(rf"(?<!\d){pid}(?!\d)", w)] for pid in pids}
    assert all(by_pid.values()), f"attempts by workers {sorted(workers)}: not both daemons ({by_pid})"


def test_other_processes_are_told_of_new_deliveries_by_a_notify_outside_ingest(start_sinks, http_receiver, db):
    """The ingest batch sends no NOTIFY (migration 0012): the writer wakes its own dispatcher, and
    the dispatcher's listener tells the other processes on the database with a NOTIFY of its own,
    one a second at most. A connection of the test's hears it, sent by the listener's backend (its
    last statement is that NOTIFY, or the check every 5 s that its server still takes writes),
    not by an ingest writer's (the batch, or its COMMIT)."""
    receiver = http_receiver()
    daemon = start_sinks(webhook_sink("hook", receiver.url("/hook")))
    with psycopg.connect(db.conninfo, autocommit=True) as listener:
        listener.execute("LISTEN statushook_deliveries")
        for _ in range(3):
            record_transition(daemon, new_sid(), "draft")
        heard = list(listener.notifies(timeout=5, stop_after=1))
        assert heard, "no NOTIFY statushook_deliveries within 5 s of three recorded transitions"
        assert heard[0].channel == "statushook_deliveries"
        [row] = db.rows("SELECT application_name, query FROM pg_stat_activity WHERE pid = %s", heard[0].pid)
        assert "pg_notify" in row["query"] or "pg_is_in_recovery" in row["query"], row
        # Three batches within a second or so: told once, not three times.
        time.sleep(0.5)
        more = list(listener.notifies(timeout=0.5))
        assert len(more) <= 1, [(n.pid, n.channel) for n in more]
    receiver.wait_for_requests(3, "/hook")


def test_a_sink_failing_n_times_in_a_row_is_paused_and_the_others_are_told(start_sinks, http_receiver, db, tmp_path):
    receiver = http_receiver()
    audit = tmp_path / "audit.jsonl"
    config = webhook_sink("hooks", receiver.url("/hooks", status="500"))
    config.update({"sink.audit.type": "log", "sink.audit.path": str(audit), "sink_pause_after": "3",
                   "retry_schedule": "1s, 1s, 1s, 1s, 1s"})
    daemon = start_sinks(config)
    for _ in range(3):
        record_transition(daemon, new_sid(), "draft")

    wait_until(lambda: db.rows("SELECT * FROM sink_state WHERE sink = 'hooks' AND paused"), 15,
               lambda: f"sink hooks to be paused:\n{describe_outbox(db)}")
    [state] = db.rows("SELECT * FROM sink_state WHERE sink = 'hooks'")
    assert state["consecutive_failures"] >= 3 and state["paused_reason"], state
    notices = wait_until(
        lambda: [l for l in read_json_lines(audit) if l.get("type") == "statushook.sink_paused"], 10,
        lambda: f"a pause notice in the audit log: {audit.read_text() if audit.exists() else None!r}")
    assert len(notices) == 1 and notices[0]["sink"] == "hooks", notices
    # Paused: nothing more is sent to it.
    time.sleep(1.0)
    seen = len(receiver.requests())
    time.sleep(2.0)
    assert len(receiver.requests()) == seen, "requests went on after the sink was paused"
    assert seen <= 4, f"{seen} requests for a sink paused after 3 failures"
    assert not db.rows("SELECT * FROM deliveries WHERE sink = 'hooks' AND state = 'delivered'")


def test_statushook_sinks_shows_a_paused_sink_and_resume_delivers_its_backlog(start_sinks, http_receiver, db):
    receiver = http_receiver()
    # Three failures pause the sink; from the fourth request on, the receiver accepts.
    config = webhook_sink("hooks", receiver.url("/hooks", status="500,500,500,200"))
    config.update({"sink_pause_after": "3", "retry_schedule": "1s, 1s, 1s, 1s, 1s"})
    daemon = start_sinks(config)
    sids = [new_sid() for _ in range(3)]
    for sid in sids:
        record_transition(daemon, sid, "draft")
    wait_until(lambda: db.rows("SELECT * FROM sink_state WHERE sink = 'hooks' AND paused"), 15,
               lambda: f"sink hooks to be paused:\n{describe_outbox(db)}")

    listing = cli(daemon, "sinks")
    [line] = [l for l in listing.splitlines() if l.startswith("hooks")]
    assert "webhook" in line and "paused" in line, listing

    assert "resumed hooks" in cli(daemon, "sinks", "--resume", "hooks")
    wait_until(lambda: len(db.rows("SELECT * FROM deliveries WHERE sink = 'hooks' AND state = 'delivered'")) == 3, 15,
               lambda: f"the backlog delivered after resume:\n{describe_outbox(db)}")
    assert "active" in [l for l in cli(daemon, "sinks").splitlines() if l.startswith("hooks")][0]
    assert "was not paused" in cli(daemon, "sinks", "--resume", "hooks")


# ---- statushook deliveries / replay ----------------------------------------------------------

ID_AT_LINE_START = re.compile(r"^\W*(\d+)\s")


def listed_ids(output: str) -> set[int]:
    return {int(m.group(1)) for line in output.splitlines() if (m := ID_AT_LINE_START.match(line))}


def cli(daemon, *args: str):
    p = run_cli(*args[:1], "--config", str(daemon.config_path), *args[1:])
    assert p.returncode == 0, f"statushook {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def replayed_count(output: str) -> int:
    numbers = re.findall(r"\d+", output)
    assert len(numbers) == 1, f"replay should print how many it re-queued: {output!r}"
    return int(numbers[0])


def test_deliveries_lists_and_filters_and_replay_requeues(start_sinks, http_receiver, db, tmp_path):
    receiver = http_receiver()
    audit = tmp_path / "audit.jsonl"
    # The first three requests are refused (400: dead at once), every later one accepted.
    config = webhook_sink("hooks", receiver.url("/hooks", status="400,400,400,200"))
    config.update({"sink.audit.type": "log", "sink.audit.path": str(audit)})
    daemon = start_sinks(config)
    a, b = new_sid(), new_sid()
    t1 = record_transition(daemon, a, "draft")
    t2 = record_transition(daemon, a, "pending-review")
    t3 = record_transition(daemon, b, "draft")
    wait_for_delivery_states(db, {"delivered": 3, "dead": 3})

    rows = db.rows("SELECT d.id, d.sink, d.state, t.sid FROM deliveries d JOIN transitions t ON t.id = d.transition_id")
    ids = lambda pred: {r["id"] for r in rows if pred(r)}  # noqa: E731
    dead = ids(lambda r: r["state"] == "dead")
    assert dead == ids(lambda r: r["sink"] == "hooks"), describe_outbox(db)

    everything = cli(daemon, "deliveries")
    assert re.search(r"\bID\b", everything, re.I) and re.search(r"\bSINK\b", everything, re.I), everything
    assert listed_ids(everything) == ids(lambda r: True), everything
    dead_listing = cli(daemon, "deliveries", "--state", "dead")
    assert listed_ids(dead_listing) == dead, dead_listing
    assert all("400" in line for line in dead_listing.splitlines() if ID_AT_LINE_START.match(line)), (
        "the dead rows do not show their error:\n" + dead_listing)
    assert listed_ids(cli(daemon, "deliveries", "--sink", "audit")) == ids(lambda r: r["sink"] == "audit")
    assert listed_ids(cli(daemon, "deliveries", "--sid", a)) == ids(lambda r: r["sid"] == a)
    assert listed_ids(cli(daemon, "deliveries", "--sid", b, "--state", "delivered")) == (
        ids(lambda r: r["sid"] == b and r["state"] == "delivered"))
    assert listed_ids(cli(daemon, "deliveries", "--state", "pending")) == set()

    # Replay one by id: sent again, and delivered this time.
    one = delivery_for(db, t1, "hooks")["id"]
    assert replayed_count(cli(daemon, "replay", "--id", str(one))) == 1
    assert wait_for_delivery(db, one)["state"] == "delivered", describe_outbox(db)
    assert [x["outcome"] for x in attempts_of(db, one)] == ["permanent", "delivered"]
    # The rest of the sink's dead ones; then nothing is left to replay.
    assert replayed_count(cli(daemon, "replay", "--sink", "hooks")) == 2
    wait_for_delivery_states(db, {"delivered": 6})
    assert replayed_count(cli(daemon, "replay", "--sink", "hooks")) == 0
    assert sorted(r.status for r in receiver.requests("/hooks")) == [200, 200, 200, 400, 400, 400]

    # Delivered ones only with --delivered: the log sink writes its lines again.
    assert replayed_count(cli(daemon, "replay", "--sink", "audit")) == 0
    assert replayed_count(cli(daemon, "replay", "--sink", "audit", "--delivered")) == 3
    wait_until(lambda: len(read_json_lines(audit)) == 6, 10, lambda: f"6 lines in {audit}: {audit.read_text()!r}")
    assert sorted(l["id"] for l in read_json_lines(audit)) == sorted(f"TR{t}" for t in (t1, t2, t3) for _ in (1, 2))

    # A time range (created_at): one before everything matches nothing; one around it, all.
    now = datetime.now(timezone.utc)
    rfc = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    assert replayed_count(cli(daemon, "replay", "--from", rfc(now - timedelta(hours=2)),
                              "--to", rfc(now - timedelta(hours=1)), "--delivered")) == 0
    wait_for_delivery_states(db, {"delivered": 6})
    assert replayed_count(cli(daemon, "replay", "--from", rfc(now - timedelta(hours=1)),
                              "--to", rfc(now + timedelta(hours=1)), "--delivered")) == 6
    wait_for_delivery_states(db, {"delivered": 6})
    wait_until(lambda: len(read_json_lines(audit)) == 9, 10, lambda: f"9 lines in {audit}")

    # Replay must be told what to replay.
    p = run_cli("replay", "--config", str(daemon.config_path))
    assert p.returncode != 0 and p.stderr.strip(), (p.returncode, p.stdout, p.stderr)
