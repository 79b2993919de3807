"""Scale-out (docs/contract.md §6): two statushook processes on different ports share one
database. Callbacks are split between them, and each is also sent to the other at the same
moment (and once more later, as Twilio retries): each transition is recorded once, the copies are
answered as duplicates, each delivery is made exactly once per sink, and both processes deliver."""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from harness import (
    callback_params, describe_outbox, new_sid, wait_for_delivery_states, webhook_sink,
)
from loadgen import LIFE

PROFILES = 40  # each walked through LIFE: 160 transitions, 2 sinks, 480 callbacks


def outcome(response) -> tuple[str, int | None]:
    """("recorded"|"duplicate"|…, transition_id), or the status and body for anything but a 200."""
    if response.status != 200:
        return (f"HTTP {response.status} {response.text[:200]}", None)
    body = response.json()
    return (body.get("result"), body.get("transition_id"))


def send_at_once(daemons, pairs, headers) -> list:
    """The same callback to each daemon, released together by a barrier; the answers in order."""
    barrier = threading.Barrier(len(daemons))
    answers: list = [None] * len(daemons)

    def one(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            answers[i] = daemons[i].post_form(pairs, headers=headers)
        except Exception as e:  # noqa: BLE001 (reported as the answer)
            answers[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(daemons))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return answers


def test_two_instances_record_each_transition_once_and_deliver_each_once_per_sink(start, http_receiver, db):
    receiver = http_receiver()
    config = webhook_sink("a", receiver.url("/a"))
    config.update(webhook_sink("b", receiver.url("/b")))
    config["retry_schedule"] = "1s, 1s, 1s"
    one = start(config, default_sinks=False)
    two = start(config, default_sinks=False)
    assert one.port != two.port and one.proc.pid != two.proc.pid
    daemons = (one, two)

    # (profile, step) -> what each copy was answered, by daemon index.
    results: dict[tuple[int, int], dict] = {}
    lock = threading.Lock()

    def walk(p: int) -> None:
        sid = new_sid()
        for step, status in enumerate(LIFE):
            pairs = callback_params(sid, status)
            # Half with Twilio's idempotency token, half keyed by the hash of the body alone.
            headers = {"I-Twilio-Idempotency-Token": f"two-{sid}-{step}"} if p % 2 == 0 else {}
            # Split: who gets it "first" alternates; the other gets the same callback at once.
            first = (p + step) % 2
            order = (daemons[first], daemons[1 - first])
            together = send_at_once(order, pairs, headers)
            retry = daemons[(p + step + 1) % 2].post_form(pairs, headers=headers)  # Twilio's retry, later
            with lock:
                results[(p, step)] = {"sid": sid, "status": status, "retry": retry,
                                      "answers": {daemons.index(d): r for d, r in zip(order, together)}}

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(walk, range(PROFILES)))
    assert len(results) == PROFILES * len(LIFE)

    # Each callback: recorded by exactly one daemon, a duplicate at the other and on the retry.
    recorded_by = Counter()
    answered_ids: dict[tuple[str, str], int] = {}
    for key, r in sorted(results.items()):
        for i, a in r["answers"].items():
            assert not isinstance(a, Exception), f"{key} daemon {i}: {a!r}"
        outcomes = {i: outcome(a) for i, a in r["answers"].items()}
        kinds = sorted(o[0] for o in outcomes.values())
        assert kinds == ["duplicate", "recorded"], f"{key} ({r['sid']} {r['status']}): {outcomes}"
        winner = next(i for i, o in outcomes.items() if o[0] == "recorded")
        recorded_by[winner] += 1
        answered_ids[(r["sid"], r["status"])] = outcomes[winner][1]
        assert outcome(r["retry"]) == ("duplicate", None), f"{key} retry: {r['retry']!r}"
    assert set(recorded_by) == {0, 1}, f"only one daemon recorded anything: {recorded_by}"

    # The database: one callback and one transition per (profile, status), chained in order.
    n = PROFILES * len(LIFE)
    assert db.counts() == {"callbacks": n, "transitions": n, "deliveries": 2 * n, "profiles": PROFILES}, db.counts()
    transitions = db.rows("SELECT id, sid, from_status, to_status, unexpected FROM transitions ORDER BY id")
    for t in transitions:
        assert answered_ids[(t["sid"], t["to_status"])] == t["id"], t
        step = LIFE.index(t["to_status"])
        assert t["from_status"] == (LIFE[step - 1] if step else None), t
        assert t["unexpected"] is False, t

    # Each delivery made exactly once per sink (the receiver counts by webhook-id), by both processes.
    wait_for_delivery_states(db, {"delivered": 2 * n}, timeout=60)
    want = sorted(f"TR{t['id']}" for t in transitions)
    for path in ("/a", "/b"):
        received = receiver.requests(path)
        per_id = Counter(r.header("webhook-id") for r in received)
        assert len(per_id) == n and set(per_id.values()) == {1}, (
            f"{path}: {len(received)} requests for {len(per_id)} deliveries; repeated: "
            f"{ {k: v for k, v in per_id.items() if v > 1} }")
        assert sorted(r.json()["id"] for r in received) == want, path
    sink_of_id = {str(r["id"]): r["sink"] for r in db.rows("SELECT id, sink FROM deliveries")}
    for path, sink in (("/a", "a"), ("/b", "b")):
        assert all(sink_of_id.get(r.header("webhook-id")) == sink for r in receiver.requests(path)), path

    attempts = db.rows("SELECT delivery_id, worker, outcome FROM delivery_attempts")
    per_delivery = defaultdict(list)
    for a in attempts:
        per_delivery[a["delivery_id"]].append(a)
    assert len(per_delivery) == 2 * n and all(len(v) == 1 for v in per_delivery.values()), (
        f"{len(attempts)} attempts for {len(per_delivery)} deliveries:\n{describe_outbox(db)}")
    delivered_by = Counter()
    for a in attempts:
        for i, d in enumerate(daemons):
            if re.search(rf"(?<!\d){d.proc.pid}(?!\d)", a["worker"]):
                delivered_by[i] += 1
    assert sum(delivered_by.values()) == 2 * n, f"attempts by workers {Counter(a['worker'] for a in attempts)}"
    assert set(delivered_by) == {0, 1}, f"only one daemon delivered: {delivered_by}"
    print(f"recorded by daemon: {dict(recorded_by)}; delivered by daemon: {dict(delivered_by)}")
    assert one.is_running() and two.is_running()
