"""High availability on PostgreSQL's own replication (docs/replication.md), on real streaming
replication: a primary and a synchronous standby made by pg_basebackup -R on this machine.

- Failover under load: the primary stopped with -m immediate mid-load and the standby promoted;
  every callback answered 2xx is on the new primary exactly once and reaches both sinks; no
  answer other than 2xx or 503; the same daemon is ready again soon and records new callbacks.
- A 2xx only for a durable commit: with the synchronous standby stopped a callback (and a
  duplicate of one recorded before) is answered 503 within commit_timeout, and 200 again once
  the standby is back; a wait for the standby cancelled with pg_cancel_backend is a 503.
- read_database_url on the standby: the history API reads from it, /readyz shows its lag, and
  the history API keeps answering from the primary while the standby is stopped.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from harness import (
    Cluster, Database, basic_auth, callback_params, new_sid, read_json_lines, report_figure, run_cli,
    wait_for_status, wait_until, webhook_sink,
)
from loadgen import (
    CallbackLoad, assert_acknowledged_recorded_once, log_event_ids, webhook_event_ids,
    wait_for_every_delivery,
)

# The standby's application_name, named by the primary's synchronous_standby_names.
STANDBY_NAME = "s1"


class ReplicatedPair:
    """A primary (with database statushook) and a streaming standby of it, each a Cluster of
    its own; the standby is synchronous once `make_synchronous()` ran."""

    def __init__(self):
        self.primary = Cluster()
        self.standby = Cluster(create=False)
        # pg_basebackup -R writes primary_conninfo; the primary knows the standby by its
        # application_name, added here. -C -S: a replication slot keeps the WAL it still needs.
        self.standby._lib(
            "_make_standby", str(self.primary.dir), str(self.primary.port), str(self.standby.dir),
            str(self.standby.port), STANDBY_NAME,
            define=r'''_make_standby() {
    local bin; bin="$(pg_bin_dir)"
    mkdir -p "$3/run"; : >"$3/log"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$3"; fi
    pg_as_owner "$bin/pg_basebackup" -h "$1/run" -p "$2" -U postgres -D "$3/data" \
        -R -X stream -C -S "$5" -c fast
    printf "\nport = %s\nunix_socket_directories = '%s'\n" "$4" "$3/run" >>"$3/data/postgresql.conf"
    sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=$5 /" "$3/data/postgresql.auto.conf"
    grep -q "application_name=$5" "$3/data/postgresql.auto.conf"
}''')
        self.standby.start()

    def make_synchronous(self) -> None:
        """synchronous_standby_names on the primary (ALTER SYSTEM: the standby's own copy of the
        configuration does not have it, so once promoted it commits alone), then waits until the
        standby streams as the synchronous one."""
        with psycopg.connect(self.primary.admin_conninfo, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{STANDBY_NAME}'")
            conn.execute("SELECT pg_reload_conf()")
        self.wait_synchronous()

    def wait_synchronous(self, timeout: float = 30) -> None:
        wait_until(lambda: self.replication_state() == ("streaming", "sync"), timeout,
                   lambda: f"the standby to stream synchronously (now {self.replication_state()})")

    def replication_state(self):
        with psycopg.connect(self.primary.admin_conninfo, autocommit=True) as conn:
            row = conn.execute("SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s",
                               (STANDBY_NAME,)).fetchone()
        return tuple(row) if row else None

    def promote(self) -> None:
        self.standby._lib("_promote", str(self.standby.dir),
                          define='_promote() { pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$1/data" -w -t 60 promote; }')

    @property
    def database_url(self) -> str:
        """Both hosts; libpq tries them in order and takes the one that accepts writes."""
        return (f"host={self.primary.dir / 'run'},{self.standby.dir / 'run'} "
                f"port={self.primary.port},{self.standby.port} user=postgres dbname=statushook "
                f"target_session_attrs=read-write")

    def primary_db(self) -> Database:
        return Database(self.primary.admin_conninfo, "statushook")

    def standby_db(self) -> Database:
        return Database(self.standby.admin_conninfo, "statushook")

    def remove(self) -> None:
        """Both at once: removing a cluster's files takes seconds here."""
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda cluster: cluster.remove(), (self.standby, self.primary)))


@pytest.fixture
def pair():
    """A primary and its synchronous standby, for a test that promotes the standby. Request it
    before `start`, so that daemons stop first."""
    replicated = ReplicatedPair()
    try:
        replicated.make_synchronous()
        yield replicated
    finally:
        replicated.remove()


@pytest.fixture(scope="module")
def shared_pair():
    """One pair for the tests that only stop and start the standby (each leaves it streaming
    synchronously again, see `standby_back`): two initdb and a base backup cost ~15 s."""
    replicated = ReplicatedPair()
    try:
        replicated.make_synchronous()
        yield replicated
    finally:
        replicated.remove()


@contextlib.contextmanager
def standby_back(pair: ReplicatedPair):
    """Whatever the block does to the standby, it streams synchronously again afterwards."""
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            with psycopg.connect(pair.standby.admin_conninfo, autocommit=True, connect_timeout=2) as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
        if pair.replication_state() != ("streaming", "sync"):
            with contextlib.suppress(RuntimeError):
                pair.standby.start()
            pair.wait_synchronous()


def post(daemon, sid: str, status: str, token: str):
    """One signed callback with its own idempotency token; (response, seconds it took)."""
    started = time.monotonic()
    resp = daemon.post_form(callback_params(sid, status), headers={"I-Twilio-Idempotency-Token": token})
    return resp, time.monotonic() - started


def sync_rep_waiters(pair: ReplicatedPair) -> list[int]:
    """The statushook backends on the primary waiting for the synchronous standby."""
    with psycopg.connect(pair.primary.admin_conninfo, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND application_name = 'statushook'")]


def test_primary_stopped_immediate_under_load_and_standby_promoted_loses_no_acknowledged_callback(
        pair, start, http_receiver, tmp_path):
    receiver = http_receiver()
    journal = tmp_path / "journal.jsonl"
    config = webhook_sink("hook", receiver.url("/hook"))
    config.update({"sink.journal.type": "log", "sink.journal.path": str(journal),
                   "retry_schedule": "1s, 1s, 1s, 1s, 1s"})
    daemon = start(config, database_url=pair.database_url, default_sinks=False)
    pid = daemon.proc.pid

    load = CallbackLoad(lambda: daemon, threads=4, pace=0.03, timeout=14.0).start()
    try:
        wait_until(lambda: len(load.acked()) >= 60, 30, "60 callbacks acknowledged before the failover")
        pair.primary.stop("immediate")
        began = time.monotonic()
        pair.promote()
        promoted = time.monotonic()
        promoted_at = time.time()
        ready = wait_for_status(lambda: daemon.get("/readyz"), 200, timeout=30)
        to_ready = time.monotonic() - promoted
        assert ready.status == 200, f"not ready within 30 s of the promotion: {ready.status} {ready.text}"
        wait_until(lambda: load.acked_after(promoted_at) >= 60, 30,
                   lambda: f"60 callbacks acknowledged after the promotion (answers {load.answers()})")
    finally:
        load.stop()

    assert daemon.is_running() and daemon.proc.pid == pid, "statushook was restarted:\n" + daemon.stderr()
    answers = load.answers()
    others = {k: n for k, n in answers.items() if not (k.startswith("2") or k == "503")}
    assert not others, f"answers other than 2xx and 503: {others} (all: {answers})"
    slowest = max(a.elapsed for a in load.attempts())
    # The dispatcher LISTENs on the new primary (NOTIFY is not replicated), and ingest reconnected.
    assert daemon.wait_for_log(lambda r: r.get("message") == "dispatcher listens for new deliveries again"), daemon.stderr()
    assert sum(1 for r in daemon.log_records() if r.get("message") == "ingest connected to the database") >= 2, daemon.stderr()

    db = pair.standby_db()  # the new primary
    assert db.scalar("SELECT NOT pg_is_in_recovery()"), "the standby was not promoted"
    counts = assert_acknowledged_recorded_once(db, load)
    sinks = {"hook": lambda: webhook_event_ids(receiver, "/hook"), "journal": lambda: log_event_ids(journal)}
    drained = False
    try:
        wait_for_every_delivery(db, sinks)
        drained = True
    finally:
        got = {sink: received() for sink, received in sinks.items()}
        report_figure(
            f"FAILOVER sent={counts['sent']} acked={counts['acked']} recorded={counts['recorded']} "
            f"delivered hook={len(set(got['hook']))} journal={len(set(got['journal']))}"
            f"{'' if drained else ' OUTBOX NOT DRAINED'} promote={promoted - began:.2f}s "
            f"ready_after_promotion={to_ready:.2f}s (answers {dict(sorted(answers.items()))}; "
            f"slowest answer {slowest:.2f}s)")


def test_synchronous_standby_stopped_gives_503_within_commit_timeout_then_200_once_it_is_back(shared_pair, start):
    pair = shared_pair
    with standby_back(pair):
        standby_stopped_then_back(pair, start)


def standby_stopped_then_back(pair: ReplicatedPair, start) -> None:
    daemon = start({"commit_timeout": "2s"}, database_url=pair.database_url)
    sid = new_sid()
    first = secrets.token_hex(12)
    resp, _ = post(daemon, sid, "draft", first)
    assert resp.status == 200 and resp.json()["result"] == "recorded", resp

    pair.standby.stop()
    # Several at once: the first waits in the COMMIT, the others behind it in the queue; each
    # is answered 503 within commit_timeout (2 s, plus the watchdog's 50 ms tick).
    tokens = [secrets.token_hex(12) for _ in range(3)]
    with ThreadPoolExecutor(len(tokens)) as pool:
        results = list(pool.map(lambda t: post(daemon, sid, "pending-review", t), tokens))
    for resp, took in results:
        assert resp.status == 503, (resp, daemon.stderr())
        assert resp.header("Retry-After"), resp
        assert took < 2.6, f"a 503 after {took:.2f}s, beyond commit_timeout 2s"
    # A duplicate of the callback recorded before is no 200 either: its transaction's COMMIT
    # waits for the standby too (a bare read-only commit would not).
    resp, took = post(daemon, sid, "draft", first)
    assert resp.status == 503 and took < 2.6, (resp, took)
    timeouts = [r for r in daemon.log_records() if "commit_timeout" in str(r.get("message"))]
    assert timeouts, "no log line says the commit took longer than commit_timeout:\n" + daemon.stderr()
    readyz = daemon.get("/readyz").json()
    assert "timed out" in readyz.get("commits", ""), readyz

    pair.standby.start()
    pair.wait_synchronous()
    back = [post(daemon, sid, "pending-review", t) for t in tokens]
    assert all(resp.status == 200 for resp, _ in back), back
    # A batch whose wait was cancelled was committed on the primary (and is replicated now):
    # its retries are duplicates; callbacks answered while still queued are recorded now.
    outcomes = [resp.json()["result"] for resp, _ in back]
    assert set(outcomes) <= {"recorded", "unchanged", "duplicate"}, outcomes
    resp, took = post(daemon, sid, "draft", first)
    assert resp.status == 200 and resp.json()["result"] == "duplicate" and took < 2, (resp, took)
    assert pair.standby_db().scalar("SELECT count(*) FROM callbacks WHERE sid = %s", sid) == 1 + len(tokens)
    report_figure(f"SYNCSTANDBY commit_timeout=2s standby stopped: 503 after "
                  f"{', '.join(f'{t:.2f}s' for _, t in results)}; standby back: {outcomes}")


def test_cancelled_wait_for_the_synchronous_standby_is_answered_503_not_200(shared_pair, start):
    pair = shared_pair
    with standby_back(pair):
        cancelled_wait(pair, start)


def cancelled_wait(pair: ReplicatedPair, start) -> None:
    daemon = start(database_url=pair.database_url)  # commit_timeout: the default 10 s
    sid = new_sid()
    resp, _ = post(daemon, sid, "draft", secrets.token_hex(12))
    assert resp.status == 200, resp

    pair.standby.stop()
    outcome = {}
    token = secrets.token_hex(12)
    sender = threading.Thread(target=lambda: outcome.update(result=post(daemon, sid, "pending-review", token)))
    sender.start()
    try:
        waiters = wait_until(lambda: sync_rep_waiters(pair), 5, "a statushook backend waiting for SyncRep")
        with psycopg.connect(pair.primary.admin_conninfo, autocommit=True) as conn:
            assert conn.execute("SELECT pg_cancel_backend(%s)", (waiters[0],)).fetchone()[0]
    finally:
        sender.join(timeout=15)
    resp, took = outcome["result"]
    # Committed on the primary, not replicated: not an acknowledgement.
    assert resp.status == 503, (resp, daemon.stderr())
    assert took < 8, f"the 503 came after {took:.2f}s: from commit_timeout, not from the WARNING"
    assert pair.primary_db().scalar("SELECT count(*) FROM callbacks WHERE idempotency_token = %s", token) == 1
    logged = daemon.wait_for_log(lambda r: "not replicated" in str(r.get("message")))
    assert logged, "no log line says the commit was not replicated:\n" + daemon.stderr()
    assert "synchronous" in str(logged.get("warning")), logged
    # No WARNING leaked to stderr as libpq's own print.
    assert not any(line.startswith("WARNING") for line in daemon.stderr_lines), daemon.stderr()
    # The connection serves on: once the standby is back the retry is a 200 (a duplicate).
    pair.standby.start()
    pair.wait_synchronous()
    resp, _ = post(daemon, sid, "pending-review", token)
    assert resp.status == 200 and resp.json()["result"] == "duplicate", resp


USER, PASSWORD = "reader", "history-secret-5e2a"


def profile_status(daemon, sid: str):
    """The history API's status of `sid`, or the HTTP status when it is no 200."""
    resp = daemon.get(f"/v1/CustomerProfiles/{sid}", headers={"Authorization": basic_auth(USER, PASSWORD)})
    return resp.json()["status"] if resp.status == 200 else resp.status


def test_read_database_url_on_the_standby_serves_history_and_falls_back_to_the_primary(shared_pair, start):
    pair = shared_pair
    with standby_back(pair):
        reads_from_the_standby(pair, start)


def reads_from_the_standby(pair: ReplicatedPair, start) -> None:
    daemon = start({"history_username": USER, "history_password": PASSWORD,
                    "read_database_url": pair.standby.conninfo}, database_url=pair.database_url)
    sid = new_sid()
    resp, _ = post(daemon, sid, "draft", secrets.token_hex(12))
    assert resp.status == 200, resp
    wait_until(lambda: profile_status(daemon, sid) == "draft", 10, "the history API to show the profile")
    cli_env = {"STATUSHOOK_DATABASE_URL": pair.database_url, "STATUSHOOK_READ_DATABASE_URL": pair.standby.conninfo}

    # Replay paused on the standby: a new status is committed (a synchronous commit waits for
    # the standby's flush, not its replay) and is on the primary, but the history API and the
    # CLI still say what the standby has replayed: they read from it.
    with psycopg.connect(pair.standby.admin_conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    resp, _ = post(daemon, sid, "pending-review", secrets.token_hex(12))
    assert resp.status == 200 and resp.json()["result"] == "recorded", resp
    assert pair.primary_db().scalar("SELECT status FROM profiles WHERE sid = %s", sid) == "pending-review"
    assert profile_status(daemon, sid) == "draft"
    cli = run_cli("history", sid, "--config", str(daemon.config_path), env=cli_env)
    assert cli.returncode == 0 and "draft" in cli.stdout and "pending-review" not in cli.stdout, cli
    lagging = wait_until(lambda: "WAL not replayed" in (r := daemon.get("/readyz").json()).get("replica", "") and r,
                         10, lambda: f"/readyz to show the replica's lag: {daemon.get('/readyz').text}")
    assert lagging["ready"] is True, lagging

    with psycopg.connect(pair.standby.admin_conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    wait_until(lambda: profile_status(daemon, sid) == "pending-review", 10, "the standby to replay the new status")
    caught_up = wait_until(lambda: "caught up" in (r := daemon.get("/readyz").json()).get("replica", "") and r,
                           10, lambda: f"/readyz to show the replica caught up: {daemon.get('/readyz').text}")

    # The standby stopped: the history API and the CLI answer from the primary.
    pair.standby.stop()
    began = time.monotonic()
    assert profile_status(daemon, sid) == "pending-review"
    fallback_took = time.monotonic() - began
    for _ in range(5):
        assert profile_status(daemon, sid) == "pending-review"
    cli = run_cli("history", sid, "--config", str(daemon.config_path), env=cli_env)
    assert cli.returncode == 0 and "pending-review" in cli.stdout, cli
    away = wait_until(lambda: "unreachable" in (r := daemon.get("/readyz").json()).get("replica", "") and r,
                      10, lambda: f"/readyz to say the replica is away: {daemon.get('/readyz').text}")
    report_figure(f"READREPLICA lagging: {lagging['replica']!r}; then {caught_up['replica']!r}; standby stopped: "
                  f"history from the primary in {fallback_took:.3f}s, /readyz replica {away['replica']!r}")


def test_a_primary_turned_read_only_gives_503_not_500_until_the_standby_is_promoted(pair, start, tmp_path):
    """What a connection that finds itself on a server no longer accepting writes (25006) does:
    the old primary demoted under open connections, or a virtual IP moved late. Read-only by
    default_transaction_read_only here, so that the open connections stay open."""
    daemon = start(database_url=pair.database_url)
    sid = new_sid()
    resp, _ = post(daemon, sid, "draft", secrets.token_hex(12))
    assert resp.status == 200, resp

    with psycopg.connect(pair.primary.admin_conninfo, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        conn.execute("SELECT pg_reload_conf()")

    def read_only_everywhere():
        with psycopg.connect(pair.primary.admin_conninfo, autocommit=True) as conn:
            return conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
    wait_until(read_only_everywhere, 5, "the primary to take default_transaction_read_only")
    # Neither host takes writes now: 503 (Twilio retries), never a 500 for a callback refused
    # as if it were bad. (An idle session reads the new setting only at its next statement, so
    # the first batch may still commit, replicated, and be a 200.)
    answers = [post(daemon, sid, "pending-review", secrets.token_hex(12))[0].status for _ in range(4)]
    assert set(answers) <= {200, 503} and answers[1:] == [503, 503, 503], (answers, daemon.stderr())

    pair.promote()
    token = secrets.token_hex(12)
    resp = wait_for_status(lambda: post(daemon, sid, "in-review", token)[0], 200, timeout=15)
    assert resp.status == 200 and resp.json()["result"] == "recorded", (resp, daemon.stderr())
    transition = resp.json()["transition_id"]
    new_primary = pair.standby_db()
    assert new_primary.scalar("SELECT count(*) FROM callbacks WHERE idempotency_token = %s", token) == 1
    # The dispatcher left the read-only server too: the new transition reaches the log sink, and
    # its listener (which sends no statement of its own accord) checks its server every idle
    # wait (5 s) and moves to the new primary.
    wait_until(lambda: any(line.get("id") == f"TR{transition}" for line in read_json_lines(tmp_path / "everything.log")),
               20, lambda: f"TR{transition} in the log sink:\n{daemon.stderr()}")
    moved = daemon.wait_for_log(lambda r: r.get("message") == "dispatcher listens for new deliveries again", timeout=15)
    assert moved, "the dispatcher's listener stayed on the read-only server:\n" + daemon.stderr()
    assert any("no longer takes writes" in str(r.get("error")) for r in daemon.log_records()), daemon.stderr()
