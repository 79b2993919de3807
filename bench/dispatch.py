"""bench/dispatch's measurements: runs statushook against the peers bench/dispatch started and
prints `| metric | measured | target | verdict |` rows; exits 1 when a target is missed."""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from queue import Empty

import psycopg
from twilio.request_validator import RequestValidator

TOKEN = "bench0123456789abcdef0123456789ab"
CALLBACK_PATH = "/callbacks/twilio"
WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

rows: list[tuple[str, str, str, str]] = []
failed = False


def row(metric: str, measured: str, target: str = "-", ok: bool | None = None) -> None:
    global failed
    verdict = "-" if ok is None else ("PASS" if ok else "FAIL")
    if ok is False:
        failed = True
    rows.append((metric, measured, target, verdict))
    print(f"| {metric} | {measured} | {target} | {verdict} |", flush=True)


def say(text: str) -> None:
    print(f"==> {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Statushook:
    """`statushook serve` with a config of its own, its output in the run folder."""

    def __init__(self, args, name: str, sinks: dict[str, str], binary: str | None = None,
                 database: str | None = None):
        self.args = args
        self.binary = binary or args.statushook
        self.port = free_port()
        run = Path(args.run_dir)
        self.config = run / f"{name}.conf"
        lines = {
            "listen": f"127.0.0.1:{self.port}",
            "callback_path": CALLBACK_PATH,
            "auth_token": TOKEN,
            "database_url": database or args.database,
            "log_level": "info",
            "log_format": "json",
            **sinks,
        }
        self.config.write_text("".join(f"{k} = {v}\n" for k, v in lines.items()))
        # A binary from before digests (bench/dispatch's baseline) knows no digest_after: it
        # sends one email per delivery anyway.
        check = subprocess.run([self.binary, "check-config", str(self.config)],
                               capture_output=True, text=True)
        if check.returncode != 0 and "digest_after" in check.stdout + check.stderr:
            lines = {k: v for k, v in lines.items() if not k.endswith(".digest_after")}
            self.config.write_text("".join(f"{k} = {v}\n" for k, v in lines.items()))
        self.log = open(run / f"{name}.log", "wb")
        self.proc: subprocess.Popen | None = None

    def cli(self, *argv: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSHOOK_")}
        return subprocess.run([self.binary, *argv, "--config", str(self.config)], check=True,
                              capture_output=True, text=True, env=env).stdout

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSHOOK_")}
        self.proc = subprocess.Popen([self.binary, "serve", "--config", str(self.config), "--migrate"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"statushook exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"statushook was not ready within 30 s; see {self.log.name}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(pidfile: str) -> float:
    """CPU time of the PostgreSQL cluster: its postmaster's children (backends, WAL writer, …)."""
    postmaster = int(Path(pidfile).read_text().split()[0])
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def record_backlog(db, sink: str, count: int) -> None:
    """`count` new profiles' first callbacks for `sink`, through ingest's own SQL function (one
    callback row, one transition, one delivery each), while the sink is paused."""
    db.execute(
        "SELECT statushook_record_callback('bench:' || %(sink)s || ':' || i, NULL, 'bench' || i,"
        " 'BU' || md5(%(sink)s || i), 'AC' || md5('account'), 'draft', NULL, '{}'::jsonb, '', %(path)s, '',"
        " 'application/x-www-form-urlencoded', '127.0.0.1', now(), true, ARRAY[%(sink)s])"
        " FROM generate_series(1, %(count)s) AS i",
        {"sink": sink, "count": count, "path": CALLBACK_PATH})
    # As autovacuum does within its minute of naptime after so many new rows (its threshold is
    # 50 plus a tenth of the table), so that every run plans with the statistics production has:
    # taken while the backlog waits and no delivery is leased. DISPATCH_ANALYZE=0 leaves it to
    # autovacuum (whether it comes before the drain is then chance).
    if os.environ.get("DISPATCH_ANALYZE", "1") != "0":
        db.execute("ANALYZE deliveries")


def drain(db, daemon: Statushook, sink: str, count: int, pidfile: str) -> tuple[float, float, float, float]:
    """Resumes `sink` and waits for its outbox to empty; returns (wall seconds from the resume,
    seconds from its first attempt's start to its last delivery's finish, by the database,
    statushook's and PostgreSQL's CPU seconds meanwhile)."""
    cpu = cpu_seconds(daemon.proc.pid)
    pg_cpu = postgres_cpu_seconds(pidfile)
    began = time.monotonic()
    daemon.cli("sinks", "--resume", sink)
    deadline = began + max(60, count / 500)
    while True:
        # An index probe, not a count: the poll must not load the machine it measures.
        if not db.execute("SELECT EXISTS (SELECT 1 FROM deliveries WHERE sink = %s AND state IN ('pending', 'delivering'))",
                          (sink,)).fetchone()[0]:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"{sink}: deliveries still queued after {deadline - began:.0f} s")
        time.sleep(0.02)
    wall = time.monotonic() - began
    cpu = cpu_seconds(daemon.proc.pid) - cpu
    pg_cpu = postgres_cpu_seconds(pidfile) - pg_cpu
    span = db.execute(
        "SELECT extract(epoch FROM max(d.finished_at) - min(a.started_at)) FROM deliveries d "
        "JOIN delivery_attempts a ON a.delivery_id = d.id WHERE d.sink = %s", (sink,)).fetchone()[0]
    return wall, float(span), cpu, pg_cpu


def verify_outbox(db, sink: str, count: int) -> str | None:
    """None when every delivery of `sink` is delivered after exactly one delivered attempt."""
    states = dict(db.execute("SELECT state, count(*) FROM deliveries WHERE sink = %s GROUP BY state",
                             (sink,)).fetchall())
    if states != {"delivered": count}:
        return f"states {states}"
    attempts = dict(db.execute(
        "SELECT a.outcome, count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "WHERE d.sink = %s GROUP BY a.outcome", (sink,)).fetchall())
    if attempts != {"delivered": count}:
        return f"attempts {attempts}"
    return None


def nginx_posts(path: str) -> int:
    """POSTs answered 204 in the access log (every database's deliveries, whose webhook-ids
    repeat from one database to the next: a delivery sent twice shows as one POST too many)."""
    time.sleep(0.3)  # the log's buffer is flushed every 100 ms
    with open(path) as log:
        return sum(1 for line in log if (line.split() + ["", ""])[:2] == ["POST", "204"])


def smtp_sink_messages(path: str, pid: int) -> int:
    """smtp-sink's count of messages received; it writes its counter out when it stops."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    counts = re.findall(r"mesg=(\d+)", Path(path).read_text(errors="replace"))
    return int(counts[-1]) if counts else 0


# --------------------------------------------------------------------------------------------
# End to end: a paced signed sender and a receiver that timestamps arrival


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, arrivals):
        self.arrivals = arrivals
        super().__init__(("127.0.0.1", port), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.server.arrivals.put((arrived, body))

    def log_message(self, *args):
        pass


def receive(port: int, arrivals) -> None:
    """The webhook receiver, in a process of its own: the sender's threads must not hold the
    interpreter lock while a webhook arrives (that would add to what is measured)."""
    Receiver(port, arrivals).serve_forever()


def rfc3339_seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def send_paced(port: int, rate: float, seconds: float, senders: int, sent: dict[str, float],
               answered: list[float], errors: list[str]) -> None:
    """Signed callbacks at `rate` per second in all, spread over `senders` keep-alive
    connections, each on a fixed schedule (a late one is sent at once, not skipped)."""
    validator = RequestValidator(TOKEN)
    sys.setswitchinterval(0.0005)  # a sender due now must not wait 5 ms for another's lock
    url = f"http://127.0.0.1:{port}{CALLBACK_PATH}"
    total = int(rate * seconds)
    start = time.monotonic() + 0.2

    def one_sender(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n in range(index, total, senders):
            sid = "BU" + secrets.token_hex(16)
            params = {"CustomerProfileSid": sid, "Status": "draft"}
            body = urllib.parse.urlencode(params)
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": validator.compute_signature(url, params)}
            pause = start + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent[sid] = time.time()
            try:
                conn.request("POST", CALLBACK_PATH, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                answered.append((time.time() - sent[sid]) * 1000)
                if response.status != 200:
                    errors.append(f"{sid}: HTTP {response.status}")
            except OSError as error:
                errors.append(f"{sid}: {error}")
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    threads = [threading.Thread(target=one_sender, args=(i,)) for i in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("statushook", "database", "run-dir", "nginx-log", "smtp-sink-out", "postmaster-pid"):
        parser.add_argument(f"--{name}", required=True)
    for name in ("nginx-port", "smtp-port", "smtp-sink-pid", "webhooks", "emails", "e2e-rate", "e2e-seconds"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--baseline", help="another statushook binary, measured in turn with this one")
    parser.add_argument("--rounds", type=int, default=1, help="backlog rounds per binary, alternating")
    args = parser.parse_args()

    print("| metric | measured | target | verdict |")
    print("|---|---|---|---|", flush=True)
    admin = psycopg.connect(args.database, autocommit=True)
    binaries = [("this", args.statushook)] + ([("baseline", args.baseline)] if args.baseline else [])
    costs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    queued = {"webhook": 0, "email": 0}

    # Backlogs: for each binary in turn (the baseline first in odd rounds, last in even ones, so
    # neither always runs on the warmer machine), a database of its own and one daemon with both
    # sinks, each paused while its backlog is queued, then resumed and timed.
    for round_number in range(1, args.rounds + 1):
        order = binaries if round_number % 2 == 0 else list(reversed(binaries))
        for label, binary in order:
            name = f"bench_dispatch_{label}_{round_number}"
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
            database = psycopg.conninfo.make_conninfo(args.database, dbname=name)
            sinks = {
                "sink.hooks.type": "webhook", "sink.hooks.url": f"http://127.0.0.1:{args.nginx_port}/hooks",
                "sink.hooks.secret": WEBHOOK_SECRET, "sink.hooks.timeout": "5s",
                "sink.mail.type": "smtp", "sink.mail.smarthost": f"127.0.0.1:{args.smtp_port}",
                "sink.mail.from": "statushook@bench.example", "sink.mail.to": "onboarding@bench.example",
                "sink.mail.tls": "none", "sink.mail.timeout": "5s",
                # One email per delivery: the cost of each is what this measures (a backlog would
                # otherwise go out as digests).
                "sink.mail.digest_after": "0",
            }
            daemon = Statushook(args, f"backlog-{label}-{round_number}", sinks, binary=binary, database=database)
            subprocess.run([binary, "migrate", "--config", str(daemon.config)], check=True, capture_output=True,
                           env={k: v for k, v in os.environ.items() if not k.startswith("STATUSHOOK_")})
            db = psycopg.connect(database, autocommit=True)
            db.execute("INSERT INTO sink_state (sink, paused, paused_at, paused_reason) "
                       "VALUES ('hooks', true, now(), 'bench backlog'), ('mail', true, now(), 'bench backlog')")
            daemon.start()
            suffix = f" ({label} binary, round {round_number})" if args.baseline else ""
            try:
                # (kind, sink, count, peer, unit, floor of the drain rate)
                for kind, sink, count, peer, unit, floor in (
                        ("webhook", "hooks", args.webhooks, "nginx 204", "deliveries", 5000),
                        ("email", "mail", args.emails, "smtp-sink", "emails", 1000)):
                    say(f"{label}, round {round_number}: queueing {count} {kind} deliveries")
                    record_backlog(db, sink, count)
                    say(f"draining them to {peer}")
                    wall, _, cpu, pg_cpu = drain(db, daemon, sink, count, args.postmaster_pid)
                    problem = verify_outbox(db, sink, count)
                    queued[kind] += count
                    costs.setdefault((label, kind), []).append((cpu / count * 1e6, pg_cpu / count * 1e6))
                    rate = count / wall
                    row(f"{kind} backlog drain ({count:,} to {peer}), {unit}/s{suffix}", f"{rate:,.0f}",
                        f"≥ {floor:,}", rate >= floor)
                    row(f"{kind} backlog: CPU per delivery, statushook / PostgreSQL, µs{suffix}",
                        f"{cpu / count * 1e6:.0f} / {pg_cpu / count * 1e6:.0f}")
                    row(f"{kind} backlog: delivered with one attempt each{suffix}", f"{problem or count}",
                        f"{count}", problem is None)
            finally:
                daemon.stop()
                db.close()

    posts = nginx_posts(args.nginx_log)
    messages = smtp_sink_messages(args.smtp_sink_out, args.smtp_sink_pid)
    row("webhook backlogs: nginx POSTs / deliveries queued", f"{posts} / {queued['webhook']}", f"{queued['webhook']}",
        posts == queued["webhook"])
    row("email backlogs: smtp-sink messages / deliveries queued", f"{messages} / {queued['email']}",
        f"{queued['email']}", messages == queued["email"])
    if args.baseline:
        for kind in ("webhook", "email"):
            this = [a + b for a, b in costs[("this", kind)]]
            base = [a + b for a, b in costs[("baseline", kind)]]
            ratio = statistics.median(this) / statistics.median(base)
            row(f"{kind} backlog: CPU per delivery (statushook + PostgreSQL), this binary / baseline, medians of "
                f"{len(this)} rounds (each: {', '.join(f'{t:.0f}' for t in this)} / {', '.join(f'{b:.0f}' for b in base)} µs)",
                f"{ratio:.2f}x", "≤ 0.7x", ratio <= 0.7)

    db = admin
    # End to end: a daemon with one webhook sink, to a receiver that timestamps arrival.
    receiver_port = free_port()
    queue = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=receive, args=(receiver_port, queue), daemon=True)
    receiver.start()
    e2e = Statushook(args, "e2e", {
        "sink.receiver.type": "webhook", "sink.receiver.url": f"http://127.0.0.1:{receiver_port}/e2e",
        "sink.receiver.secret": WEBHOOK_SECRET, "sink.receiver.timeout": "5s",
    })
    e2e.start()
    try:
        sent: dict[str, float] = {}
        errors: list[str] = []
        answered: list[float] = []
        total = args.e2e_rate * args.e2e_seconds
        say(f"end to end: {total} callbacks at {args.e2e_rate}/s")
        began = time.monotonic()
        send_paced(e2e.port, args.e2e_rate, args.e2e_seconds, 4, sent, answered, errors)
        took = time.monotonic() - began
        arrivals = []
        deadline = time.monotonic() + 15
        while len(arrivals) < total and time.monotonic() < deadline:
            try:
                at, body = queue.get(timeout=0.5)
                arrivals.append((at, json.loads(body)))
            except Empty:
                pass
    finally:
        e2e.stop()
        receiver.terminate()
    from_received = [(at - rfc3339_seconds(event["occurred_at"])) * 1000 for at, event in arrivals]
    from_sent = [(at - sent[event["sid"]]) * 1000 for at, event in arrivals if event["sid"] in sent]
    row(f"end to end: callbacks sent / answered 200 / webhooks received (at {total / took:,.0f}/s)",
        f"{len(sent)} / {len(sent) - len(errors)} / {len(arrivals)}", f"{total} / {total} / {total}",
        len(sent) == total and not errors and len(arrivals) == total and len({e['sid'] for _, e in arrivals}) == total)
    if from_received:
        p50, p99 = percentile(from_received, 50), percentile(from_received, 99)
        row("end to end: callback received → webhook received, p50 ms", f"{p50:.1f}", "≤ 10", p50 <= 10)
        row("end to end: callback received → webhook received, p99 ms", f"{p99:.1f}", "≤ 50", p99 <= 50)
    if from_sent:
        row("end to end: callback sent → webhook received, p50 / p99 ms",
            f"{percentile(from_sent, 50):.1f} / {percentile(from_sent, 99):.1f}")
    started = [float(ms) for (ms,) in db.execute(
        "SELECT extract(epoch FROM a.started_at - t.occurred_at) * 1000 FROM deliveries d "
        "JOIN transitions t ON t.id = d.transition_id JOIN delivery_attempts a ON a.delivery_id = d.id "
        "WHERE d.sink = 'receiver'").fetchall()]
    if started:
        row("end to end: callback received → attempt started (database), p50 / p99 ms",
            f"{percentile(started, 50):.1f} / {percentile(started, 99):.1f}")
    if answered:
        row("end to end: callback sent → answered 200 (ingest), p50 / p99 ms",
            f"{percentile(answered, 50):.1f} / {percentile(answered, 99):.1f}")
    if errors:
        say(f"{len(errors)} callbacks failed, the first: {errors[:3]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
