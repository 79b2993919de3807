"""Fixtures: a fresh database per test and a factory of statushook daemons on it."""

from __future__ import annotations

import pytest

import harness
from harness import TOKEN, Cluster, Daemon, Database


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


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
    """start(overrides={key: value or None to remove}, database_url=…, wait_ready=True) -> Daemon"""
    daemons: list[Daemon] = []

    def _start(overrides: dict | None = None, *, database_url: str | None = None,
               wait_ready: bool = True) -> Daemon:
        port = harness.free_port()
        config = default_config(port, database_url or db.conninfo, tmp_path)
        config.update(overrides or {})
        path = tmp_path / f"statushook-{len(daemons)}.conf"
        d = harness.start_daemon(config, path, port, wait_ready=wait_ready)
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
