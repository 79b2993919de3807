"""Every thread the daemon starts ends before it exits: SIGTERM under load, with
every part running (ingest, the dispatcher, retention, the reconciler, the database watch, the
read endpoints' threads), stops them all within the bounds of docs/deployment.md "Under systemd", exits 0,
and leaves the process with as many threads as it had when it started.

The daemon counts its threads (/proc/self/task) at start, before it starts any, and again just
before it exits, and logs both: only the process itself can see its last moment. The test reads
/proc/<pid>/task under load, so that the two figures are seen to cover the threads that ran."""

from __future__ import annotations

import json
import secrets
import signal
import threading
import time
from pathlib import Path

import requests

from harness import basic_auth, callback_params, new_sid, report_figure, statushook_bin
from trusthub_peer import trusthub_config

# docs/deployment.md "Under systemd": requests in flight 10 s, delivery attempts 20 s, every other part 5 s.
STOP_BOUND = 52
USER, PASSWORD = "reader", "lifecycle-history-7f3a"
# Named by the daemon (Linux keeps 15 characters of a thread's name).
EXPECTED_THREADS = {"ingest-writer", "database-watch", "dispatch-listen", "dispatch-0", "retention",
                    "reconcile", "reader-0", "http-deadlines"}


def runtime_threads() -> int:
    """Threads that the binary's runtime starts and never ends: ThreadSanitizer's background
    thread (scripts/sanitize thread), started with the process's first thread, named after it."""
    return 1 if b"__tsan_init" in Path(statushook_bin()).read_bytes() else 0


def task_names(pid: int) -> list[str]:
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            names.append((task / "comm").read_text().strip())
        except OSError:  # the thread ended meanwhile
            pass
    return names


def logged_threads(daemon, message: str) -> int:
    record = daemon.wait_for_log(lambda r: r.get("message") == message, timeout=5)
    assert record is not None, f"no {message!r} line:\n{daemon.stderr()}"
    figure = (record.get("metadata") or record).get("threads")
    assert figure is not None, record
    return int(figure)


def _callbacks(daemon, results: list, stop: threading.Event) -> None:
    while not stop.is_set():
        sid = new_sid()
        try:
            r = daemon.post_form(callback_params(sid, "draft"),
                                 headers={"I-Twilio-Idempotency-Token": secrets.token_hex(12)})
            results.append(r.status)
        except OSError as error:  # refused or reset once the listener is closed
            results.append(repr(error))
            return


def _reads(daemon, results: list, stop: threading.Event) -> None:
    auth = {"Authorization": basic_auth(USER, PASSWORD)}
    while not stop.is_set():
        try:
            results.append(daemon.get("/v1/CustomerProfiles?PageSize=5", headers=auth).status)
            results.append(daemon.get("/metrics").status)
        except OSError as error:
            results.append(repr(error))
            return


def test_sigterm_under_load_ends_every_thread_and_exits_zero(start, fake):
    daemon = start({"history_username": USER, "history_password": PASSWORD, "retention_days": "1",
                    **trusthub_config(fake, reconcile_interval="1s")},
                   env={"STATUSHOOK_RETENTION_INTERVAL": "1s"})
    at_start = logged_threads(daemon, "starting")

    posted: list = []
    read: list = []
    stop = threading.Event()
    load = [threading.Thread(target=_callbacks, args=(daemon, posted, stop)) for _ in range(6)]
    load += [threading.Thread(target=_reads, args=(daemon, read, stop)) for _ in range(2)]
    for t in load:
        t.start()
    try:
        deadline = time.monotonic() + 15
        while (posted.count(200) < 100 or read.count(200) < 10) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert posted.count(200) >= 100 and read.count(200) >= 10, (posted[-5:], read[-5:])
        # Retention and the reconciler have had a round (both every second).
        assert daemon.wait_for_log(lambda r: "reconciliation pass done" in str(r.get("message")), timeout=10), \
            daemon.stderr()
        under_load = task_names(daemon.proc.pid)
        missing = EXPECTED_THREADS - set(under_load)
        assert not missing, f"threads not seen under load: {missing} (seen: {sorted(under_load)})"
        assert len(under_load) > at_start, (at_start, under_load)

        began = time.monotonic()
        daemon.proc.send_signal(signal.SIGTERM)
        code = daemon.proc.wait(timeout=STOP_BOUND + 5)
        elapsed = time.monotonic() - began
    finally:
        stop.set()
        for t in load:
            t.join(timeout=30)
    daemon.stop()

    assert code == 0, f"exit {code}:\n{daemon.stderr()}"
    assert elapsed < STOP_BOUND, elapsed
    at_exit = logged_threads(daemon, "stopped")
    late = [r for r in daemon.log_records() if "did not stop in time" in str(r.get("message"))]
    assert not late, late
    extra = runtime_threads()
    assert at_start <= at_exit <= at_start + extra, \
        f"{at_start} threads at start, {at_exit} at exit:\n{daemon.stderr()[-3000:]}"
    if at_exit > at_start:
        left = daemon.wait_for_log(lambda r: r.get("message") == "threads still running at exit", timeout=1)
        assert left is not None and set(json.loads(left["names"])) == {"statushook"}, left
    report_figure(f"LIFECYCLE threads at start={at_start} under load={len(under_load)} at exit={at_exit}; "
                  f"SIGTERM to exit {elapsed:.2f}s with {posted.count(200)} callbacks and {read.count(200)} reads answered")
