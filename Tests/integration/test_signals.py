"""Signals (docs/contract.md §5): SIGHUP reloads the configuration (a bad file keeps the old one
and says why; settings that need a restart are named), SIGTERM and SIGINT drain and exit 0."""

from __future__ import annotations

import secrets
import signal
import threading
import time

from harness import (
    TOKEN, assert_recorded, basic_auth, callback_params, new_sid, write_config,
)

NEW_TOKEN = "reloaded-auth-token-0c9a4e7d21b84f3e9a6d5c2b1f0e8d7c"
USER = "reader"


def reload_with(daemon, changes: dict) -> None:
    """Rewrites the daemon's file with `changes` and sends SIGHUP; waits for the outcome's log line."""
    daemon.config.update(changes)
    write_config(daemon.config_path, daemon.config)
    seen = len(daemon.log_records())
    daemon.sighup()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        fresh = daemon.log_records()[seen:]
        if any("reloaded" in str(r.get("message", "")) or "not reloaded" in str(r.get("message", ""))
               for r in fresh):
            return
        time.sleep(0.05)
    raise AssertionError("no reload outcome logged after SIGHUP:\n" + daemon.stderr())


def messages(daemon) -> list[str]:
    return [f"{r.get('message', '')} {r}" for r in daemon.log_records()]


def test_sighup_with_a_new_auth_token_takes_it(daemon, db):
    sid = new_sid()
    assert_recorded(daemon.post_form(callback_params(sid, "draft")), sid, "draft")
    reload_with(daemon, {"auth_token": NEW_TOKEN})
    assert daemon.is_running(), daemon.stderr()

    new = daemon.post_form(callback_params(sid, "pending-review"), token=NEW_TOKEN)
    assert_recorded(new, sid, "pending-review")
    old = daemon.post_form(callback_params(sid, "in-review"), token=TOKEN)
    assert old.status in (401, 403), old
    assert db.scalar("SELECT count(*) FROM callbacks WHERE sid = %s AND status = 'in-review'", sid) == 0


def test_sighup_with_new_history_credentials_takes_them(start):
    daemon = start({"history_username": USER, "history_password": "old-password-1"})
    assert daemon.get("/v1/CustomerProfiles", headers={"Authorization": basic_auth(USER, "old-password-1")}).status == 200

    reload_with(daemon, {"history_password": "new-password-2"})
    assert daemon.get("/v1/CustomerProfiles", headers={"Authorization": basic_auth(USER, "new-password-2")}).status == 200
    assert daemon.get("/v1/CustomerProfiles", headers={"Authorization": basic_auth(USER, "old-password-1")}).status == 401


def test_sighup_turns_the_history_api_on(daemon):
    assert daemon.get("/v1/CustomerProfiles").status == 404
    reload_with(daemon, {"history_username": USER, "history_password": "turned-on-3"})
    assert daemon.get("/v1/CustomerProfiles", headers={"Authorization": basic_auth(USER, "turned-on-3")}).status == 200


def test_sighup_with_a_broken_file_keeps_the_old_configuration(start, db):
    daemon = start({"history_username": USER, "history_password": "kept-4"})
    # A good change and a bad line in the same file: nothing of it is applied.
    reload_with(daemon, {"auth_token": NEW_TOKEN, "history_password": "never-5", "no_such_key": "1"})
    assert daemon.is_running(), daemon.stderr()
    errors = [r for r in daemon.log_records() if "not reloaded" in str(r.get("message", ""))]
    assert errors, daemon.stderr()
    text = str(errors[-1])
    assert "no_such_key" in text, text
    lines = daemon.config_path.read_text().splitlines()
    line = next(i for i, l in enumerate(lines, 1) if l.startswith("no_such_key"))
    assert f":{line}:" in text, f"the error names line {line}: {text}"

    sid = new_sid()
    assert_recorded(daemon.post_form(callback_params(sid, "draft"), token=TOKEN), sid, "draft")
    assert daemon.post_form(callback_params(sid, "pending-review"), token=NEW_TOKEN).status in (401, 403)
    assert daemon.get("/v1/CustomerProfiles", headers={"Authorization": basic_auth(USER, "kept-4")}).status == 200
    assert daemon.get("/v1/CustomerProfiles", headers={"Authorization": basic_auth(USER, "never-5")}).status == 401


def test_sighup_with_a_new_listen_address_says_it_needs_a_restart(daemon):
    reload_with(daemon, {"listen": "127.0.0.1:1", "auth_token": NEW_TOKEN})
    assert daemon.is_running(), daemon.stderr()
    restart = [m for m in messages(daemon) if "needs a restart" in m and "listen" in m]
    assert restart, daemon.stderr()
    # Still on the old port, and the rest of the file was taken.
    sid = new_sid()
    assert_recorded(daemon.post_form(callback_params(sid, "draft"), token=NEW_TOKEN), sid, "draft")


def test_sighup_changes_the_metrics_sinks(daemon):
    before = daemon.get("/metrics").text
    assert 'sink="everything"' in before, before
    reload_with(daemon, {"sink.everything.type": None, "sink.everything.path": None,
                         "sink.added.type": "log", "sink.added.path": str(daemon.config_path.parent / "added.log")})
    after = daemon.get("/metrics").text
    assert 'sink="added"' in after, after


def _burst(daemon, results: list, stop: threading.Event, worker: int) -> None:
    while not stop.is_set():
        sid = new_sid()
        token = secrets.token_hex(12)
        try:
            r = daemon.post_form(callback_params(sid, "draft"), headers={"I-Twilio-Idempotency-Token": token})
            results.append((sid, r.status))
        except OSError as error:  # refused or reset once the listener is closed
            results.append((sid, repr(error)))
            return


def _stop_mid_burst(daemon, db, sig) -> None:
    results: list = []
    stop = threading.Event()
    threads = [threading.Thread(target=_burst, args=(daemon, results, stop, i)) for i in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while sum(1 for _, s in results if s == 200) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = daemon.proc.pid
    started = time.monotonic()
    daemon.proc.send_signal(sig)
    try:
        code = daemon.proc.wait(timeout=15)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=25)
    elapsed = time.monotonic() - started
    daemon.stop()
    assert code == 0, f"exit {code}:\n{daemon.stderr()}"
    assert elapsed < 15, elapsed

    acknowledged = [sid for sid, status in results if isinstance(status, int) and 200 <= status < 300]
    assert len(acknowledged) >= 40, results[-10:]
    recorded = {r["sid"] for r in db.rows("SELECT sid FROM callbacks")}
    missing = [sid for sid in acknowledged if sid not in recorded]
    assert not missing, f"{len(missing)} callbacks answered 2xx but not recorded: {missing[:5]}"
    others = {status for _, status in results if not (isinstance(status, int) and 200 <= status < 300)}
    assert all(not isinstance(s, int) or s >= 500 for s in others), others

    held = db.scalar("SELECT count(*) FROM deliveries WHERE state = 'delivering' AND lease_owner LIKE %s",
                     f"%:{pid}:%")
    assert held == 0, f"{held} leases still held by the stopped daemon"


def test_sigterm_mid_burst_drains_and_exits_zero(daemon, db):
    _stop_mid_burst(daemon, db, signal.SIGTERM)


def test_sigint_mid_burst_drains_and_exits_zero(daemon, db):
    _stop_mid_burst(daemon, db, signal.SIGINT)
