"""The integration suite's harness: a real statushook daemon on a fresh database, requests sent
byte for byte with http.client, signatures from Twilio's official SDK, and the rows to check.

Environment (set by scripts/test):
  STATUSHOOK_BIN                the built `statushook` binary
  STATUSHOOK_TEST_DATABASE_URL  libpq conninfo of a cluster where we may CREATE DATABASE
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from twilio.request_validator import RequestValidator

REPO_ROOT = Path(__file__).resolve().parents[2]
LIB_SH = REPO_ROOT / "scripts" / "lib.sh"
CALLBACK_PATH = "/callbacks/twilio"
TOKEN = "test-auth-token-8f14e45fceea167a5a36dedd4bea2543"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 20.0


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the suite through scripts/test")
    return value


def statushook_bin() -> str:
    path = required_env("STATUSHOOK_BIN")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"STATUSHOOK_BIN={path} is not an executable")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    """The daemon's environment: ours without any STATUSHOOK_* override (scripts/test exports
    STATUSHOOK_DATABASE_URL, which would otherwise replace each test's database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSHOOK_")}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_sid(prefix: str = "BU") -> str:
    return prefix + secrets.token_hex(16)


# --------------------------------------------------------------------------------------------
# Signing (Twilio's official SDK)


class MultiDict:
    """Ordered (name, value) pairs with the `getall` that RequestValidator uses for repeated names."""

    def __init__(self, pairs):
        self.pairs = list(pairs)

    def __iter__(self):
        seen = []
        for name, _ in self.pairs:
            if name not in seen:
                seen.append(name)
        return iter(seen)

    def __len__(self):
        return len(self.pairs)

    def getall(self, name):
        return [v for n, v in self.pairs if n == name]


def sign(token: str, url: str, params=None) -> str:
    """X-Twilio-Signature for URL and form params (pairs, a dict or None) by Twilio's SDK."""
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        params = MultiDict(params)
    return RequestValidator(token).compute_signature(url, params)


def body_sha256(body: str) -> str:
    return RequestValidator(TOKEN).compute_hash(body)


def form_body(pairs) -> bytes:
    return urllib.parse.urlencode(list(pairs)).encode("ascii")


# --------------------------------------------------------------------------------------------
# HTTP


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError(f"response {self.status} is not JSON: {self.body[:500]!r}") from e

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:300]!r}>"


def http_request(
    port: int,
    method: str,
    target: str,
    body=None,
    headers: dict | None = None,
    source: str | None = None,
    host: str | None = None,
    chunked: bool = False,
) -> Response:
    """Sends one request with the request target exactly as given (no re-encoding)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=REQUEST_TIMEOUT,
        source_address=(source, 0) if source else None,
    )
    hdrs = {"Host": host if host is not None else f"127.0.0.1:{port}"}
    hdrs.update(headers or {})
    try:
        try:
            if chunked:
                chunks = body if not isinstance(body, (bytes, bytearray)) else _chunks(body)
                conn.request(method, target, body=chunks, headers=hdrs, encode_chunked=True)
            else:
                if body is not None and "Content-Length" not in hdrs:
                    hdrs["Content-Length"] = str(len(body))
                conn.request(method, target, body=body, headers=hdrs)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer (413, 405) and close before reading all of a large body;
            # its answer is still waiting to be read.
            pass
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def _chunks(body: bytes, size: int = 1000):
    for i in range(0, len(body), size):
        yield body[i:i + size]


# --------------------------------------------------------------------------------------------
# Databases


class Database:
    """One database of the test cluster, created for one test and dropped after it."""

    def __init__(self, admin_conninfo: str, name: str):
        self.admin_conninfo = admin_conninfo
        self.name = name
        self.conninfo = psycopg.conninfo.make_conninfo(admin_conninfo, dbname=name)

    @classmethod
    def create(cls, admin_conninfo: str) -> "Database":
        name = "sh_test_" + secrets.token_hex(6)
        with psycopg.connect(admin_conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return cls(admin_conninfo, name)

    def drop(self) -> None:
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str, *args) -> list[dict]:
        with psycopg.connect(self.conninfo, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(sql, args).fetchall()

    def scalar(self, sql: str, *args):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None

    def counts(self) -> dict[str, int]:
        return {
            t: self.scalar(f"SELECT count(*) FROM {t}")
            for t in ("callbacks", "transitions", "deliveries", "profiles")
        }

    def assert_nothing_written(self) -> None:
        counts = self.counts()
        assert counts == {"callbacks": 0, "transitions": 0, "deliveries": 0, "profiles": 0}, (
            f"rows were written: {counts}"
        )


class Cluster:
    """A PostgreSQL cluster of a test's own (for stopping it under a running daemon), made by
    the same scripts/lib.sh functions that scripts/test uses."""

    def __init__(self, create: bool = True):
        """create=False only chooses the folder and port (conninfo is known, nothing listens
        there yet); create() makes the cluster later."""
        # Under /tmp, short (Unix socket paths are limited) and traversable by the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="statushook-pg-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.dir = self.root / "c"
        self.port = free_port()
        if create:
            self.create()

    def create(self) -> None:
        """initdb, start, and CREATE DATABASE statushook."""
        self._lib("pg_cluster_init", str(self.dir), str(self.port))
        self.start()
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute("CREATE DATABASE statushook")

    @property
    def admin_conninfo(self) -> str:
        return f"host={self.dir / 'run'} port={self.port} user=postgres dbname=postgres"

    @property
    def conninfo(self) -> str:
        return f"host={self.dir / 'run'} port={self.port} user=postgres dbname=statushook"

    def _lib(self, fn: str, *args: str, define: str = "") -> None:
        """Runs scripts/lib.sh's function FN with ARGS (`define`: a shell function of the caller's own, defined first)."""
        script = f'source {shlex.quote(str(LIB_SH))} && {define}\n{fn} "$@"'
        proc = subprocess.run(
            ["bash", "-c", script, "lib.sh", *args],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{fn} {' '.join(args)} failed ({proc.returncode}):\n"
                               f"{proc.stdout}\n{proc.stderr}")

    def start(self) -> None:
        self._lib("pg_cluster_start", str(self.dir))

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop -m MODE: "fast" (sessions ended, a checkpoint) or "immediate" (no
        shutdown at all: recovery at the next start), or "smart"."""
        if mode == "fast":
            self._lib("pg_cluster_stop", str(self.dir))
            return
        if mode not in ("immediate", "smart"):
            raise ValueError(f"no stop mode {mode!r}")
        # lib.sh's own helpers, so that pg_ctl runs as the cluster's owner as pg_cluster_stop does.
        self._lib("_cluster_stop_mode", str(self.dir), mode,
                  define='_cluster_stop_mode() { pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$1/data" -m "$2" -w -t 60 stop; }')

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self._lib("pg_cluster_remove", str(self.dir))
        subprocess.run(["rm", "-rf", str(self.root)], check=False)


# --------------------------------------------------------------------------------------------
# The daemon


@dataclass
class Daemon:
    """A running `statushook serve` with its config, port and output."""

    proc: subprocess.Popen
    port: int
    config_path: Path
    config: dict
    stderr_lines: list[str] = field(default_factory=list)
    stdout_lines: list[str] = field(default_factory=list)
    exit_code: int | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    # ---- output

    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    def stdout(self) -> str:
        return "\n".join(self.stdout_lines)

    def log_records(self) -> list[dict]:
        """The stderr lines that are JSON objects."""
        records = []
        for line in list(self.stderr_lines):
            line = line.strip()
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    obj = json.loads(line)
                    if isinstance(obj, dict):
                        records.append(obj)
        return records

    def wait_for_log(self, predicate, timeout: float = 5.0) -> dict | None:
        deadline = time.monotonic() + timeout
        while True:
            for record in self.log_records():
                if predicate(record):
                    return record
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    # ---- requests

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, target: str, body=None, headers=None, **kw) -> Response:
        return http_request(self.port, method, target, body=body, headers=headers, **kw)

    def get(self, target: str, **kw) -> Response:
        return self.request("GET", target, **kw)

    def post_form(
        self,
        pairs,
        *,
        query: str = "",
        path: str = CALLBACK_PATH,
        token: str | None = TOKEN,
        signed_url: str | None = None,
        signature: str | None = None,
        headers: dict | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        **kw,
    ) -> Response:
        """POSTs a form body signed over signed_url (default: what the daemon should rebuild
        without public_url: http:// + Host + path + query)."""
        pairs = list(pairs)
        target = path + (f"?{query}" if query else "")
        if signed_url is None:
            signed_url = f"http://{kw.get('host') or f'127.0.0.1:{self.port}'}{target}"
        hdrs = {"Content-Type": content_type}
        if signature is None and token is not None:
            signature = sign(token, signed_url, pairs)
        if signature is not None:
            hdrs["X-Twilio-Signature"] = signature
        hdrs.update(headers or {})
        return self.request("POST", target, body=form_body(pairs), headers=hdrs, **kw)

    def post_json(
        self,
        payload,
        *,
        query: str = "",
        token: str | None = TOKEN,
        signed_url: str | None = None,
        headers: dict | None = None,
        body_hash: str | None = None,
        **kw,
    ) -> Response:
        """POSTs a JSON body, signed the bodySHA256 way (hash in the URL, signature over it)."""
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        digest = body_hash if body_hash is not None else body_sha256(body)
        q = f"{query}&" if query else ""
        target = f"{CALLBACK_PATH}?{q}bodySHA256={digest}"
        if signed_url is None:
            signed_url = f"http://127.0.0.1:{self.port}{target}"
        hdrs = {"Content-Type": "application/json"}
        if token is not None:
            hdrs["X-Twilio-Signature"] = sign(token, signed_url, {})
        hdrs.update(headers or {})
        return self.request("POST", target, body=body.encode("utf-8"), headers=hdrs, **kw)

    # ---- lifecycle

    def is_running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int:
        """SIGKILL: no shutdown at all (leases stay held, attempts in flight unfinished)."""
        if self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        for t in self._threads:
            t.join(timeout=5)
        self.exit_code = self.proc.returncode
        return self.exit_code

    def sighup(self) -> None:
        assert self.is_running(), "the daemon is not running:\n" + self.stderr()
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> int:
        if self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                self.stderr_lines.append(f"[harness] no exit {STOP_TIMEOUT}s after SIGTERM: killed")
        for t in self._threads:
            t.join(timeout=5)
        self.exit_code = self.proc.returncode
        return self.exit_code


def write_config(path: Path, config: dict) -> None:
    lines = ["# written by the integration suite"]
    for key, value in config.items():
        if value is not None:
            lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pump(stream, sink: list[str]) -> None:
    for raw in iter(stream.readline, b""):
        sink.append(raw.decode("utf-8", errors="replace").rstrip("\n"))
    stream.close()


def start_daemon(config: dict, config_path: Path, port: int, wait_ready: bool = True,
                 env: dict | None = None) -> Daemon:
    """`env`: variables added to the daemon's environment (SSL_CERT_FILE for the test CA)."""
    write_config(config_path, config)
    proc = subprocess.Popen(
        [statushook_bin(), "serve", "--config", str(config_path), "--migrate"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=clean_env(**(env or {})), cwd=config_path.parent,
    )
    daemon = Daemon(proc=proc, port=port, config_path=config_path, config=config)
    for stream, sink in ((proc.stdout, daemon.stdout_lines), (proc.stderr, daemon.stderr_lines)):
        t = threading.Thread(target=_pump, args=(stream, sink), daemon=True)
        t.start()
        daemon._threads.append(t)
    if wait_ready:
        wait_until_ready(daemon)
    return daemon


def wait_until_ready(daemon: Daemon, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not daemon.is_running():
            daemon.stop()
            raise AssertionError(
                f"statushook serve exited with {daemon.exit_code} before it was ready.\n"
                f"config:\n{daemon.config_path.read_text()}\nstderr:\n{daemon.stderr()}\n"
                f"stdout:\n{daemon.stdout()}"
            )
        try:
            r = http_request(daemon.port, "GET", "/readyz")
            if r.status == 200:
                return
            last = f"{r.status} {r.body[:200]!r}"
        except OSError as e:
            last = repr(e)
        time.sleep(0.05)
    daemon.stop()
    raise AssertionError(
        f"statushook was not ready within {timeout}s (last /readyz: {last}).\n"
        f"config:\n{daemon.config_path.read_text()}\nstderr:\n{daemon.stderr()}"
    )


def wait_for_status(fn, want: int, timeout: float) -> Response:
    """Calls fn() until it answers `want` or the time is up; returns the last response."""
    deadline = time.monotonic() + timeout
    while True:
        r = fn()
        if r.status == want or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# Assertions


def assert_twilio_error(resp: Response, status: int) -> dict:
    """An error answer in Twilio's shape: {"code", "message", "more_info", "status"}."""
    assert resp.status == status, f"expected {status}, got {resp!r}"
    ctype = resp.header("Content-Type") or ""
    assert ctype.startswith("application/json"), f"Content-Type {ctype!r} for {resp!r}"
    body = resp.json()
    code = 20000 + status
    assert body.get("code") == code, body
    assert body.get("status") == status, body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert body.get("more_info") == f"https://www.twilio.com/docs/errors/{code}", body
    return body


def assert_recorded(resp: Response, sid: str, status: str, result: str = "recorded") -> dict:
    assert resp.status == 200, f"expected 200 {result}, got {resp!r}"
    ctype = resp.header("Content-Type") or ""
    assert ctype.startswith("application/json"), f"Content-Type {ctype!r}"
    body = resp.json()
    assert body.get("result") == result, body
    assert body.get("sid") == sid, body
    assert body.get("status") == status, body
    if result == "recorded":
        assert isinstance(body.get("transition_id"), int), body
    else:
        assert body.get("transition_id") is None, body
    return body


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def warning_level(record: dict) -> bool:
    level = str(record.get("level") or record.get("severity") or record.get("lvl") or "").lower()
    return level.startswith("warn")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------
# Waiting, the command line, and the outbox (sinks and dispatch)


def wait_until(predicate, timeout: float, what, interval: float = 0.05):
    """Calls predicate() until it returns something truthy and returns that; else fails, saying
    what was awaited (`what` may be a callable, evaluated then, for the state seen last)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout}s waiting for {detail}")
        time.sleep(interval)


def run_cli(*args: str, env: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """Runs `statushook ARGS…` to completion (text output)."""
    return subprocess.run([statushook_bin(), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, env=clean_env(**(env or {})))


def deliveries_by_state(db: "Database") -> dict[str, int]:
    return {r["state"]: r["n"] for r in db.rows("SELECT state, count(*) AS n FROM deliveries GROUP BY state")}


def describe_outbox(db: "Database") -> str:
    """The deliveries and attempts, for a failure message."""
    rows = db.rows("SELECT id, transition_id, notice_id, sink, state, attempts, last_error FROM deliveries ORDER BY id LIMIT 40")
    attempts = db.rows("SELECT delivery_id, attempt, worker, outcome, duration_ms, detail "
                       "FROM delivery_attempts ORDER BY id LIMIT 40")
    paused = db.rows("SELECT * FROM sink_state")
    return (f"deliveries by state {deliveries_by_state(db)}\n"
            + "\n".join(map(str, rows)) + "\nattempts:\n" + "\n".join(map(str, attempts))
            + f"\nsink_state: {paused}")


def wait_for_delivery_states(db: "Database", want: dict[str, int], timeout: float = 15.0) -> None:
    """Waits until the deliveries' states are exactly `want` ({"delivered": 3, "dead": 1})."""
    wait_until(lambda: deliveries_by_state(db) == want, timeout,
               lambda: f"deliveries {want}; the outbox:\n{describe_outbox(db)}")


def wait_for_delivery(db: "Database", delivery_id: int, states=("delivered", "dead"), timeout: float = 15.0) -> dict:
    """Waits until a delivery is in one of `states`; returns its row."""
    def settled():
        rows = db.rows("SELECT * FROM deliveries WHERE id = %s", delivery_id)
        return rows[0] if rows and rows[0]["state"] in states else None
    return wait_until(settled, timeout, lambda: f"delivery {delivery_id} to be {states}:\n{describe_outbox(db)}")


def attempts_of(db: "Database", delivery_id: int) -> list[dict]:
    return db.rows("SELECT * FROM delivery_attempts WHERE delivery_id = %s ORDER BY id", delivery_id)


def delivery_for(db: "Database", transition_id: int, sink: str) -> dict:
    rows = db.rows("SELECT * FROM deliveries WHERE transition_id = %s AND sink = %s", transition_id, sink)
    assert rows, f"no delivery of transition {transition_id} to sink {sink}:\n{describe_outbox(db)}"
    return rows[0]


def read_json_lines(path: Path) -> list[dict]:
    """The complete lines of a JSON-lines file, each parsed (a line that is not JSON fails)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.endswith("\n"):
            continue  # being written
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise AssertionError(f"{path}: a line that is not JSON: {line!r}") from e
    return out



def callback_params(sid: str, status: str, **extra) -> list[tuple[str, str]]:
    """A CustomerProfile StatusCallback's form parameters."""
    return [("CustomerProfileSid", sid), ("Status", status), *extra.items()]


def record_transition(daemon: Daemon, sid: str, status: str, **extra) -> int:
    """Posts a signed callback that must record a transition; returns the transition's id. Each
    carries an idempotency token of its own, so that a status seen before is not a duplicate."""
    headers = {"I-Twilio-Idempotency-Token": secrets.token_hex(12)}
    body = assert_recorded(daemon.post_form(callback_params(sid, status, **extra), headers=headers), sid, status)
    return body["transition_id"]


def insert_profile(db: "Database", sid: str, status: str, friendly_name: str | None = None) -> None:
    """A profile known before its next callback (as the TrustHub API will make them), so that
    its friendly name reaches the sinks."""
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO profiles (sid, status, friendly_name, date_created, date_updated) "
            "VALUES (%s, %s, %s, now(), now())", (sid, status, friendly_name))


EVENT_KEYS = {"type", "id", "sid", "account_sid", "from", "to", "failure_reason", "unexpected", "occurred_at"}


def assert_event_matches(event: dict, transition: dict) -> None:
    """A customer_profile.status_changed event (docs/contract.md §2) says what the transitions row says."""
    from datetime import datetime

    assert isinstance(event, dict), event
    keys = set(event)
    assert EVENT_KEYS <= keys and keys <= EVENT_KEYS | {"profile"}, f"event keys {sorted(keys)}"
    assert event["type"] == "customer_profile.status_changed", event
    assert event["id"] == f"TR{transition['id']}", (event, transition)
    assert event["sid"] == transition["sid"], event
    assert event["account_sid"] == transition["account_sid"], event
    assert event["from"] == transition["from_status"], event
    assert event["to"] == transition["to_status"], event
    assert event["failure_reason"] == transition["failure_reason"], event
    assert event["unexpected"] is transition["unexpected"], event
    occurred = event["occurred_at"]
    assert isinstance(occurred, str) and occurred.endswith("Z"), f"occurred_at not RFC 3339 UTC: {occurred!r}"
    parsed = datetime.fromisoformat(occurred.replace("Z", "+00:00"))
    delta = abs((parsed - transition["occurred_at"]).total_seconds())
    assert delta < 0.001, f"occurred_at {occurred} is not the transition's {transition['occurred_at']}"


# --------------------------------------------------------------------------------------------
# Bursts: many signed callbacks at once, as a policy change makes them (digests)


def burst_reason(sid: str) -> str:
    """The failure reason a burst's rejection of `sid` carries: a digest must show it in full."""
    return f"Business name mismatch for {sid} (18601)"


def burst_callbacks(count: int) -> list[tuple[str, str]]:
    """(SID, status) for `count` new profiles: every tenth rejected, the others approved."""
    return [(new_sid(), "twilio-rejected" if i % 10 == 0 else "twilio-approved") for i in range(count)]


def post_burst(daemon: Daemon, callbacks: list[tuple[str, str]], workers: int = 8, reason=None) -> float:
    """Posts each (SID, status) as a signed callback, `workers` at a time, a rejection with its
    `reason(sid)` (burst_reason by default); asserts that each is answered 200 and returns the
    seconds it took."""
    reason = reason or burst_reason
    from concurrent.futures import ThreadPoolExecutor

    url = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}"

    def post(callback) -> int:
        sid, status = callback
        pairs = [("AccountSID", "AC" + "0" * 32), ("BundleSID", sid), ("Status", status)]
        if status == "twilio-rejected":
            pairs.append(("FailureReason", reason(sid)))
        conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=15)
        try:
            conn.request("POST", CALLBACK_PATH, body=form_body(pairs), headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(TOKEN, url, pairs)})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(post, callbacks))
    assert set(answers) == {200}, f"answers other than 200: {sorted(set(answers))}"
    return time.monotonic() - started


def sink_states(db: "Database", sink: str) -> dict[str, int]:
    """How many of the sink's deliveries are in each state."""
    rows = db.rows("SELECT state, count(*) AS n FROM deliveries WHERE sink = %s GROUP BY state", sink)
    return {r["state"]: r["n"] for r in rows}


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and the base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_sink(name: str, url: str, secret: str | None = None, **fields) -> dict:
    """The config keys of webhook sink `name` (a 5 s timeout unless given)."""
    config = {f"sink.{name}.type": "webhook", f"sink.{name}.url": url,
              f"sink.{name}.secret": secret or new_webhook_secret(), f"sink.{name}.timeout": "5s"}
    config.update({f"sink.{name}.{k}": v for k, v in fields.items()})
    return config


# --------------------------------------------------------------------------------------------
# Figures a test prints for the run's summary (conftest's pytest_terminal_summary shows them)

FIGURES: list[str] = []


def report_figure(line: str) -> None:
    """Prints LINE now (seen with -s, or in a failure's captured output) and keeps it for the
    terminal summary, so that scripts/test's output shows it without -s."""
    print(line, flush=True)
    FIGURES.append(line)
