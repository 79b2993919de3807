"""A client that keeps sending signed callbacks from several threads while a test breaks things
(the database restarted, statushook killed), and the checks that follow: what was acknowledged
is recorded exactly once, and every recorded transition reached every sink.

Each thread walks profiles through draft -> pending-review -> in-review -> twilio-approved (a new
SID after the last), so every callback that is recorded creates a transition. Each callback has
an I-Twilio-Idempotency-Token of its own and, like Twilio, is sent again (same token, same body)
after a 503 or a connection that failed, up to `max_attempts` times.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness import CALLBACK_PATH, TOKEN, Database, form_body, new_sid, read_json_lines, sign

LIFE = ("draft", "pending-review", "in-review", "twilio-approved")


@dataclass
class Attempt:
    """One request of a callback and how it ended: `answer` is the HTTP status as a string, or
    what went wrong instead ("timeout", "ConnectionRefusedError", …)."""

    at: float
    port: int
    answer: str
    elapsed: float
    retry_after: str | None = None
    result: str | None = None
    transition_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.answer.startswith("2")


@dataclass
class Callback:
    token: str
    sid: str
    status: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ack(self) -> Attempt | None:
        return next((a for a in self.attempts if a.ok), None)


def post_callback(port: int, cb: Callback, timeout: float) -> Attempt:
    """One signed form POST of `cb` to 127.0.0.1:port, bounded by `timeout` seconds."""
    pairs = [("CustomerProfileSid", cb.sid), ("Status", cb.status)]
    body = form_body(pairs)
    host = f"127.0.0.1:{port}"
    headers = {
        "Host": host,
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(len(body)),
        "X-Twilio-Signature": sign(TOKEN, f"http://{host}{CALLBACK_PATH}", pairs),
        "I-Twilio-Idempotency-Token": cb.token,
    }
    started = time.monotonic()
    at = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", CALLBACK_PATH, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        attempt = Attempt(at, port, str(resp.status), time.monotonic() - started,
                          retry_after=resp.headers.get("Retry-After"))
        if resp.status == 200:
            payload = json.loads(raw)
            attempt.result = payload.get("result")
            attempt.transition_id = payload.get("transition_id")
        return attempt
    except (socket.timeout, TimeoutError):
        return Attempt(at, port, "timeout", time.monotonic() - started)
    except (OSError, http.client.HTTPException) as e:
        return Attempt(at, port, type(e).__name__, time.monotonic() - started)
    finally:
        conn.close()


class CallbackLoad:
    """Threads that send callbacks to `target()` (the daemon to use now: it may change between
    two attempts) until stop()."""

    def __init__(self, target, *, threads: int = 4, pace: float = 0.05, max_attempts: int = 6,
                 retry_delay: float = 0.3, timeout: float = 10.0):
        self.target = target
        self.threads = threads
        self.pace = pace
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.callbacks: list[Callback] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.workers: list[threading.Thread] = []
        self.crashes: list[str] = []

    def start(self) -> "CallbackLoad":
        for i in range(self.threads):
            t = threading.Thread(target=self._run, name=f"load-{i}", daemon=True)
            t.start()
            self.workers.append(t)
        return self

    def stop(self) -> None:
        self.stopping.set()
        for t in self.workers:
            t.join(timeout=self.timeout + 5)
        alive = [t.name for t in self.workers if t.is_alive()]
        assert not alive, f"load threads still running after stop: {alive}"
        assert not self.crashes, f"load threads crashed: {self.crashes}"

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                sid = new_sid()
                for status in LIFE:
                    if self.stopping.is_set():
                        return
                    self._send(Callback(secrets.token_hex(12), sid, status))
                    if self.stopping.wait(self.pace):
                        return
        except Exception as e:  # a bug of the test's own: fail the test, do not hide it
            self.crashes.append(f"{type(e).__name__}: {e}")

    def _send(self, cb: Callback) -> None:
        with self.lock:
            self.callbacks.append(cb)
        for n in range(self.max_attempts):
            if n and self.stopping.wait(self.retry_delay):
                return
            attempt = post_callback(self.target().port, cb, self.timeout)
            with self.lock:
                cb.attempts.append(attempt)
            if attempt.ok:
                return

    # ---- what happened

    def snapshot(self) -> list[Callback]:
        with self.lock:
            return [Callback(c.token, c.sid, c.status, list(c.attempts)) for c in self.callbacks]

    def attempts(self) -> list[Attempt]:
        return [a for c in self.snapshot() for a in c.attempts]

    def acked(self) -> list[Callback]:
        return [c for c in self.snapshot() if c.ack is not None]

    def acked_after(self, moment: float) -> int:
        """Callbacks answered 2xx on an attempt sent after `moment` (time.time())."""
        return sum(1 for c in self.snapshot() if c.ack is not None and c.ack.at > moment)

    def answers(self) -> Counter:
        return Counter(a.answer for a in self.attempts())


# --------------------------------------------------------------------------------------------
# Checks after the load


def recorded_tokens(db: Database) -> Counter:
    """How many callbacks rows each idempotency token has."""
    return Counter({r["idempotency_token"]: r["n"] for r in db.rows(
        "SELECT idempotency_token, count(*) AS n FROM callbacks GROUP BY idempotency_token")})


def assert_acknowledged_recorded_once(db: Database, load: CallbackLoad) -> dict:
    """Every callback answered 2xx is in the database exactly once, with its SID and status, and
    the transition its answer named (when it named one) is its own. Returns a few counts."""
    acked = load.acked()
    rows = {r["idempotency_token"]: r for r in db.rows(
        "SELECT c.idempotency_token, c.sid, c.status, c.result, t.id AS transition_id "
        "FROM callbacks c LEFT JOIN transitions t ON t.callback_id = c.id")}
    per_token = recorded_tokens(db)
    missing = [c for c in acked if c.token not in rows]
    assert not missing, (
        f"{len(missing)} callbacks answered 2xx are not in the database (never a 2xx for an "
        f"uncommitted callback): {[(c.token, c.sid, c.status, c.attempts) for c in missing[:5]]}")
    twice = {t: n for t, n in per_token.items() if n != 1}
    assert not twice, f"callbacks recorded more than once: {dict(list(twice.items())[:10])}"
    for c in acked:
        row = rows[c.token]
        assert (row["sid"], row["status"]) == (c.sid, c.status), (c, row)
        assert row["result"] == "recorded" and row["transition_id"] is not None, (
            f"a callback of a new status made no transition: {c} {row}")
        if c.ack.result == "recorded":
            assert c.ack.transition_id == row["transition_id"], (c, row)
        else:
            # Answered "duplicate": an earlier attempt was committed but its answer was lost.
            assert c.ack.result == "duplicate", c
    sent_tokens = {c.token for c in load.snapshot()}
    strangers = set(rows) - sent_tokens
    assert not strangers, f"callbacks in the database that nobody sent: {sorted(strangers)[:5]}"
    return {"sent": len(sent_tokens), "acked": len(acked), "recorded": len(rows),
            "duplicate_acks": sum(1 for c in acked if c.ack.result == "duplicate")}


def transition_event_ids(db: Database) -> set[str]:
    return {f"TR{r['id']}" for r in db.rows("SELECT id FROM transitions")}


def webhook_event_ids(receiver, path: str) -> list[str]:
    return [r.json()["id"] for r in receiver.requests(path)]


def log_event_ids(path: Path) -> list[str]:
    return [line["id"] for line in read_json_lines(path)]


def delivery_states(db: Database) -> dict[str, int]:
    return {r["state"]: r["n"] for r in db.rows("SELECT state, count(*) AS n FROM deliveries GROUP BY state")}


def wait_for_every_delivery(db: Database, sinks: dict, stall: float = 20.0, cap: float = 180.0) -> dict[str, list[str]]:
    """Waits until every transition's delivery to every sink is `delivered` and each sink shows
    the event: `sinks` maps a sink's name to a function that lists the event ids it received.
    Fails once nothing has moved for `stall` seconds (a slow build still drains; a stuck outbox
    does not wait long), or after `cap`. Returns what each sink received (with repeats: at
    least once is the contract)."""
    began = last_move = time.monotonic()
    seen = None
    while True:
        want = transition_event_ids(db)
        states = delivery_states(db)
        got = {name: received() for name, received in sinks.items()}
        lacking = {name: want - set(ids) for name, ids in got.items()}
        settled = states.get("delivered", 0) == sum(states.values()) == len(want) * len(sinks)
        if settled and not any(lacking.values()):
            return got
        now = time.monotonic()
        progress = (states.get("delivered", 0), tuple(len(ids) for ids in got.values()))
        if progress != seen:
            seen, last_move = progress, now
        if now - last_move > stall or now - began > cap:
            undelivered = db.rows(
                "SELECT id, transition_id, sink, state, attempts, last_error, lease_owner, "
                "lease_expires_at - now() AS lease_left FROM deliveries "
                "WHERE state <> 'delivered' ORDER BY id LIMIT 20")
            raise AssertionError(
                f"the outbox did not drain ({now - began:.0f}s, nothing moved for {now - last_move:.0f}s): "
                f"{len(want)} transitions, deliveries by state {states}; "
                f"events not received: { {n: sorted(ids)[:10] for n, ids in lacking.items()} } "
                f"({ {n: len(ids) for n, ids in lacking.items()} }); undelivered rows: {undelivered}")
        time.sleep(0.25)
