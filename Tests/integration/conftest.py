"""Fixtures: a fresh database per test and a factory of statushook daemons on it."""

from __future__ import annotations

import pytest

import harness
from harness import TOKEN, Cluster, Daemon, Database
from peers import HTTPPeer, SMTPPeer, TestCA
from trusthub_peer import ACCOUNT_SID, TrustHubFake


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


def pytest_terminal_summary(terminalreporter):
    """The figures tests reported (harness.report_figure), after the run, even without -s."""
    if harness.FIGURES:
        terminalreporter.section("statushook figures")
        for line in harness.FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def admin_conninfo() -> str:
    harness.statushook_bin()  # fail early, and loudly, without a binary
    return harness.required_env("STATUSHOOK_TEST_DATABASE_URL")


@pytest.fixture
def db(admin_conninfo):
    database = Database.create(admin_conninfo)
    yield database
    database.drop()


@pytest.fixture
def own_cluster():
    """A PostgreSQL cluster of the test's own (with a database statushook), to stop and start
    under a running daemon. Request it before `start`, so that daemons stop first."""
    cluster = Cluster()
    yield cluster
    cluster.remove()


def default_config(port: int, database_url: str, tmp_path) -> dict:
    """Two log sinks with different filters, so that delivery rows show which sinks matched."""
    return {
        "listen": f"127.0.0.1:{port}",
        "database_url": database_url,
        "auth_token": TOKEN,
        "sink.everything.type": "log",
        "sink.everything.path": str(tmp_path / "everything.log"),
        "sink.decisions.type": "log",
        "sink.decisions.statuses": "twilio-approved, twilio-rejected",
        "sink.decisions.path": str(tmp_path / "decisions.log"),
    }


@pytest.fixture
def start(db, tmp_path, request):
    """start(overrides={key: value or None to remove}, database_url=…, wait_ready=True,
    env={extra variables}, default_sinks=True) -> Daemon

    default_sinks=False leaves out default_config's two log sinks (the overrides name the sinks)."""
    daemons: list[Daemon] = []

    def _start(overrides: dict | None = None, *, database_url: str | None = None,
               wait_ready: bool = True, env: dict | None = None, default_sinks: bool = True) -> Daemon:
        port = harness.free_port()
        config = default_config(port, database_url or db.conninfo, tmp_path)
        if not default_sinks:
            config = {k: v for k, v in config.items() if not k.startswith("sink.")}
        config.update(overrides or {})
        path = tmp_path / f"statushook-{len(daemons)}.conf"
        d = harness.start_daemon(config, path, port, wait_ready=wait_ready, env=env)
        daemons.append(d)
        return d

    yield _start
    for d in daemons:
        d.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for i, d in enumerate(daemons):
            tail = "\n".join(d.stderr_lines[-80:])
            print(f"---- daemon {i} (port {d.port}, exit {d.exit_code}) stderr, last lines ----\n{tail}")


@pytest.fixture
def daemon(start) -> Daemon:
    return start()


# ---- sinks and dispatch (docs/contract.md §2) -----------------------------------------------

# Short retries so that the tests run fast: 4 attempts, about 1 s apart (±20 % jitter).
FAST_RETRIES = "1s, 1s, 1s"


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> TestCA:
    """A CA and a localhost certificate (openssl CLI); daemons trust the CA via SSL_CERT_FILE."""
    return TestCA.create(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture
def start_sinks(start, test_ca):
    """start_sinks({"sink.x.type": …, …}, **start kwargs) -> Daemon: a daemon with only the
    sinks given, the fast retry schedule (unless overridden) and SSL_CERT_FILE = the test CA."""

    def _start(overrides: dict, **kw) -> Daemon:
        config = {"retry_schedule": FAST_RETRIES}
        config.update(overrides)
        env = {"SSL_CERT_FILE": str(test_ca.ca_pem)}
        env.update(kw.pop("env", None) or {})
        return start(config, default_sinks=False, env=env, **kw)

    return _start


@pytest.fixture
def smtp_server(tmp_path, test_ca, request):
    """smtp_server(tls="starttls", certificate="server", auth_user=…, data_replies="451,250", …)
    -> SMTPPeer (aiosmtpd in a subprocess, a certificate of the test CA's); stopped after the test."""
    servers: list[SMTPPeer] = []

    def _start(**kw) -> SMTPPeer:
        kw.setdefault("ca", test_ca)
        server = SMTPPeer(tmp_path / f"smtp-{len(servers)}", **kw)
        servers.append(server)
        return server

    yield _start
    failed = getattr(request.node, "rep_call", None)
    for i, server in enumerate(servers):
        server.stop()
        if failed is not None and failed.failed:
            print(f"---- SMTP server {i} events ----")
            for event in server.events()[-60:]:
                print(event)
            print(server.output()[-3000:])


@pytest.fixture
def http_receiver(tmp_path, test_ca, request):
    """http_receiver(tls=False, certificate="server") -> HTTPPeer: http, or https with one of
    the test CA's certificates ("server"; "rogue": self-signed; "wrong_name": for another
    host); stopped after the test."""
    receivers: list[HTTPPeer] = []

    def _start(tls: bool = False, certificate: str = "server") -> HTTPPeer:
        cert = key = None
        if tls:
            cert, key = test_ca.cert_and_key(certificate)
        receiver = HTTPPeer(tmp_path / f"http-{len(receivers)}", cert=cert, key=key)
        receivers.append(receiver)
        return receiver

    yield _start
    failed = getattr(request.node, "rep_call", None)
    for i, receiver in enumerate(receivers):
        receiver.stop()
        if failed is not None and failed.failed:
            print(f"---- HTTP receiver {i}: {len(receiver.requests())} requests ----")
            for r in receiver.requests()[-20:]:
                print(r.n, r.method, r.target, r.status, r.header("webhook-id"))
            print(receiver.output()[-3000:])


@pytest.fixture
def fake(tmp_path, request):
    """The TrustHub API fake (a stand-in for Twilio's), accepting only the account SID with the
    test's auth token; its requests are printed when the test failed."""
    peer = TrustHubFake(tmp_path / "trusthub")
    peer.require_auth(ACCOUNT_SID, TOKEN)
    yield peer
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print("---- TrustHub fake: requests ----")
        for r in peer.requests():
            print(r)
    peer.stop()
