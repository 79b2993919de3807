"""Upgrades with the daemon running (docs/deployment.md, "Upgrades"): a newer release's migration applied
under a running statushook, as `statushook migrate` of the new binary would, while callbacks
keep coming. Migrations add, or drop only what older releases do not need (docs/deployment.md, "Upgrades"),
so the running (older) daemon keeps answering, stays ready and
says the database is ahead; restarted on that database it starts; an unknown version that a later
release cannot have made still stops it.

The "newer release" is simulated in SQL (a column, an index and its schema_migrations row): this
binary is the only statushook here, and what matters is what the old daemon sees."""

from __future__ import annotations

import time

import psycopg

from harness import http_request
from loadgen import CallbackLoad, assert_acknowledged_recorded_once

# What a later release's migration could look like: additive only.
NEWER_MIGRATION = (
    "ALTER TABLE callbacks ADD COLUMN upgrade_note text",
    "CREATE INDEX callbacks_upgrade_note ON callbacks (upgrade_note)",
    "INSERT INTO schema_migrations (version, name, checksum) VALUES (9001, 'future_release', 'f00d')",
)


def readyz(daemon) -> tuple[int, dict]:
    resp = http_request(daemon.port, "GET", "/readyz")
    return resp.status, resp.json()


def wait_for_readyz(daemon, predicate, timeout: float) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    while True:
        status, body = readyz(daemon)
        if predicate(status, body) or time.monotonic() > deadline:
            return status, body
        time.sleep(0.1)


def test_a_newer_release_migrating_under_a_running_daemon_interrupts_nothing(start, db):
    daemon = start()
    status, body = readyz(daemon)
    assert status == 200 and body["migrations"] == "current", body  # started with --migrate
    load = CallbackLoad(lambda: daemon, threads=3, pace=0.02).start()
    try:
        time.sleep(1.0)
        with psycopg.connect(db.conninfo) as conn:  # one transaction, committed on exit, as `migrate` runs one
            for statement in NEWER_MIGRATION:
                conn.execute(statement)
        migrated_at = time.time()
        # The watch looks every 2 s: /readyz names the newer migration and stays ready.
        status, body = wait_for_readyz(daemon, lambda s, b: "9001_future_release" in str(b), timeout=10)
        assert status == 200, body
        assert "9001_future_release" in str(body), body
        time.sleep(1.5)
    finally:
        load.stop()

    answers = load.answers()
    assert set(answers) == {"200"}, f"every callback answered 200 across the migration: {answers}"
    assert load.acked_after(migrated_at) > 0, "callbacks were answered after the migration"
    counts = assert_acknowledged_recorded_once(db, load)
    assert counts["acked"] == counts["sent"], counts
    warned = daemon.wait_for_log(lambda r: "newer than this binary" in r.get("message", ""), timeout=1)
    assert warned is not None and "9001_future_release" in str(warned), daemon.stderr()

    # Restarted (the old binary again, e.g. a rollback) on the newer database: it starts, warns, serves.
    assert daemon.stop() == 0, daemon.stderr()
    again = start()
    warned = again.wait_for_log(lambda r: "newer than this binary" in r.get("message", ""), timeout=5)
    assert warned is not None and "9001_future_release" in str(warned), again.stderr()
    status, body = readyz(again)
    assert status == 200, body
    load = CallbackLoad(lambda: again, threads=1, pace=0.0).start()
    time.sleep(0.5)
    load.stop()
    assert set(load.answers()) == {"200"}, load.answers()


def test_an_unknown_version_that_no_later_release_can_have_made_stops_the_start(start, db):
    first = start()
    assert first.stop() == 0
    with psycopg.connect(db.conninfo) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (0, 'other_build', 'x')")
    daemon = start(wait_ready=False)
    deadline = time.monotonic() + 30
    while daemon.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert daemon.stop() == 1, daemon.stderr()
    assert "0000_other_build" in daemon.stderr() and "another build of statushook" in daemon.stderr(), daemon.stderr()
