"""The load test (docs/contract.md §5): while a client keeps sending signed callbacks from several threads,
statushook is killed with SIGKILL at random moments (and restarted each time) and PostgreSQL is
restarted once. Afterwards every callback that was answered 2xx is in the database exactly once,
and every recorded transition reached every sink (a webhook at a real HTTP receiver, and a log
file). The counts are printed (a `CHAOS …` line, in the run's summary too).

The schedule comes from a seeded RNG; the seed is printed, and STATUSHOOK_CHAOS_SEED=N replays it.
"""

from __future__ import annotations

import os
import random
import secrets
import time

from harness import Database, report_figure, wait_until, webhook_sink
from loadgen import (
    CallbackLoad, assert_acknowledged_recorded_once, log_event_ids, webhook_event_ids,
    wait_for_every_delivery,
)

# What a client may see besides an answer when the process it talks to is SIGKILLed (or not yet
# listening again): the connection refused, reset, or closed before the answer.
# How long the client sends (the faults happen in its first TRAFFIC_SECONDS - 6 s); with the
# cluster's setup and the outbox's drain the test takes about a minute.
TRAFFIC_SECONDS = 40

CONNECTION_FAILURES = {"ConnectionRefusedError", "ConnectionResetError", "RemoteDisconnected",
                       "BrokenPipeError", "IncompleteRead", "BadStatusLine"}


def test_sigkill_and_a_postgres_restart_under_load_lose_no_acknowledged_callback(
        own_cluster, start, http_receiver, tmp_path):
    seed = int(os.environ.get("STATUSHOOK_CHAOS_SEED") or secrets.randbits(32))
    rng = random.Random(seed)
    print(f"chaos seed {seed} (STATUSHOOK_CHAOS_SEED={seed} replays this schedule)", flush=True)

    receiver = http_receiver()
    journal = tmp_path / "journal.jsonl"
    config = webhook_sink("hook", receiver.url("/hook"))
    config.update({"sink.journal.type": "log", "sink.journal.path": str(journal),
                   "retry_schedule": "1s, 1s, 1s, 1s, 1s, 1s"})
    daemons = [start(config, database_url=own_cluster.conninfo, default_sinks=False)]
    db = Database(own_cluster.admin_conninfo, "statushook")

    # 3 or 4 kills and one PostgreSQL restart, in a random order, each at a random moment of its
    # own slot of the traffic's first TRAFFIC_SECONDS - 6 s (a fault that runs long delays the next).
    events = ["kill"] * rng.randint(3, 4) + ["postgres"]
    rng.shuffle(events)
    slot = (TRAFFIC_SECONDS - 8) / len(events)
    moments = [2 + i * slot + rng.uniform(0, slot - 1.5) for i in range(len(events))]
    pg_mode = rng.choice(["fast", "immediate"])
    timeline: list[str] = []
    load = CallbackLoad(lambda: daemons[-1], threads=4, pace=0.04, max_attempts=8, retry_delay=0.4).start()
    began = time.monotonic()
    try:
        calm_until = 0.0  # each fault leaves the daemon at least 2.5 s of work before the next
        for event, moment in zip(events, moments):
            # The schedule, not a wait for anything.
            time.sleep(max(0.0, max(moment, calm_until) - (time.monotonic() - began)))
            at = f"{time.monotonic() - began:5.1f}s"
            if event == "kill":
                victim = daemons[-1]
                victim.kill()
                down = rng.uniform(0.0, 1.0)
                time.sleep(down)
                daemons.append(start(config, database_url=own_cluster.conninfo, default_sinks=False))
                timeline.append(f"{at} SIGKILL pid {victim.proc.pid}, restarted after {down:.1f}s")
            else:
                own_cluster.stop(pg_mode)
                down = rng.uniform(0.5, 2.0)
                time.sleep(down)
                own_cluster.start()
                timeline.append(f"{at} PostgreSQL stopped ({pg_mode}), started after {down:.1f}s")
            calm_until = time.monotonic() - began + 2.5
        # Recovered: callbacks are acknowledged again after the last fault; the traffic goes on
        # to the end of its time.
        settled = time.time()
        wait_until(lambda: load.acked_after(settled) >= 30, 30,
                   lambda: f"30 callbacks acknowledged after the last fault (answers {load.answers()})")
        time.sleep(max(0.0, TRAFFIC_SECONDS - (time.monotonic() - began)))
    finally:
        load.stop()
        print("\n".join(timeline), flush=True)
    traffic_seconds = time.monotonic() - began

    # Answers: 2xx, 503 with Retry-After, or a connection that a SIGKILL broke; nothing else.
    answers = load.answers()
    others = {k: n for k, n in answers.items()
              if not (k.startswith("2") or k == "503" or k in CONNECTION_FAILURES)}
    assert not others, f"answers other than 2xx, 503 and broken connections: {others} (all: {answers})"
    attempts = load.attempts()
    assert all((a.retry_after or "").strip().isdigit() for a in attempts if a.answer == "503"), "a 503 without Retry-After"
    # Each daemon, the killed ones too, acknowledged callbacks: every kill hit a daemon under load.
    acked_by_port = {d.port: 0 for d in daemons}
    for c in load.acked():
        acked_by_port[c.ack.port] = acked_by_port.get(c.ack.port, 0) + 1
    idle = [d.port for d in daemons if acked_by_port[d.port] == 0]
    assert not idle, f"daemons on ports {idle} acknowledged nothing: {acked_by_port}"
    assert answers["503"] > 0, f"no 503 while PostgreSQL was down: {answers}"

    counts = assert_acknowledged_recorded_once(db, load)
    sinks = {"hook": lambda: webhook_event_ids(receiver, "/hook"), "journal": lambda: log_event_ids(journal)}
    acked_transitions = {f"TR{r['id']}" for r in db.rows(
        "SELECT t.id FROM transitions t JOIN callbacks c ON c.id = t.callback_id "
        "WHERE c.idempotency_token = ANY(%s)", [c.token for c in load.acked()])}
    assert len(acked_transitions) == counts["acked"], (len(acked_transitions), counts)
    drained = False
    try:
        wait_for_every_delivery(db, sinks)
        drained = True
    finally:
        # The counts, drained or not (a failure shows how far it got).
        got = {sink: received() for sink, received in sinks.items()}
        delivered = {sink: len(acked_transitions & set(ids)) for sink, ids in got.items()}
        transitions = db.scalar("SELECT count(*) FROM transitions")
        report_figure(
            f"CHAOS seed={seed} sent={counts['sent']} acked={counts['acked']} recorded={counts['recorded']} "
            f"delivered hook={delivered['hook']} journal={delivered['journal']}"
            f"{'' if drained else ' OUTBOX NOT DRAINED'} "
            f"(all transitions {transitions}; hook requests {len(got['hook'])}, journal lines {len(got['journal'])}; "
            f"kills={events.count('kill')} postgres={pg_mode}; answers {dict(sorted(answers.items()))}; "
            f"traffic {traffic_seconds:.0f}s)")
    assert all(n == counts["acked"] for n in delivered.values()), (delivered, counts)
