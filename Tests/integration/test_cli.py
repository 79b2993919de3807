"""The command line (docs/contract.md §4, §5): check-config, sign, --version; and the daemon's own
behaviour: health endpoints, SIGTERM, secrets kept out of its output."""

from __future__ import annotations

import re
import subprocess
import time

from harness import (
    CALLBACK_PATH, TOKEN, assert_recorded, assert_twilio_error, basic_auth, body_sha256,
    clean_env, free_port, new_sid, sign, statushook_bin,
)


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([statushook_bin(), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, env=clean_env())


# ---- check-config --------------------------------------------------------------------------

def test_check_config_accepts_a_valid_file(tmp_path):
    f = tmp_path / "good.conf"
    f.write_text(
        "# a valid file\n"
        "listen = 127.0.0.1:8080\n"
        "\n"
        "database_url = postgresql://postgres@localhost/statushook\n"
        f"auth_token = {TOKEN}\n"
        "trusted_proxies = 127.0.0.1, 10.0.0.0/8\n"
        "max_body_bytes = 65536\n"
        "sink.ops.type = log\n"
        "sink.ops.statuses = twilio-approved, twilio-rejected\n"
        "sink.ops.path = -\n"
    )
    p = run("check-config", str(f))
    assert p.returncode == 0, p.stderr


def test_check_config_names_the_line_of_every_error_and_exits_non_zero(tmp_path):
    f = tmp_path / "broken.conf"
    f.write_text(
        "# broken on purpose; database_url is missing\n"   # 1
        "listen = 127.0.0.1:8080\n"                         # 2
        f"auth_tokn = {TOKEN}\n"                            # 3: unknown key, near miss
        "listen = 127.0.0.1:9090\n"                         # 4: duplicate
        "max_body_bytes = lots\n"                           # 5: bad value
        "sink.ops.type = carrier-pigeon\n"                  # 6: bad value
    )
    p = run("check-config", str(f))
    assert p.returncode != 0, (p.stdout, p.stderr)
    err = p.stderr
    for line, word in ((3, "auth_token"), (4, "listen"), (5, "max_body_bytes"), (6, "sink.ops.type")):
        hits = [l for l in err.splitlines() if l.startswith(f"{f}:{line}:")]
        assert hits, f"no error names {f}:{line}:\n{err}"
        assert any(word in h for h in hits), f"line {line} error does not mention {word!r}: {hits}"
    # The near miss names the key meant, and the missing required key is reported.
    assert "auth_tokn" in err
    assert "database_url" in err, err
    # Secrets are not echoed back.
    assert TOKEN not in err and TOKEN not in p.stdout


def test_check_config_reports_a_missing_token(tmp_path):
    f = tmp_path / "no-token.conf"
    f.write_text("database_url = postgresql://postgres@localhost/statushook\n")
    p = run("check-config", str(f))
    assert p.returncode != 0
    assert "auth_token" in p.stderr, p.stderr


def test_check_config_on_a_missing_file_fails(tmp_path):
    p = run("check-config", str(tmp_path / "absent.conf"))
    assert p.returncode != 0
    assert p.stderr.strip()


# ---- sign ----------------------------------------------------------------------------------

def test_sign_prints_the_signature_of_twilios_sdk():
    url = "https://hooks.example.com/callbacks/twilio?tenant=acme&x=%27"
    params = [("CustomerProfileSid", "BU" + "a" * 32), ("Status", "twilio-rejected"),
              ("FailureReason", "é 日本 🎉"), ("ErrorCode", "18601"), ("ErrorCode", "18600")]
    args = ["sign", "--url", url, "--token", TOKEN]
    for name, value in params:
        args += ["--param", f"{name}={value}"]
    p = run(*args)
    assert p.returncode == 0, p.stderr
    assert sign(TOKEN, url, params) in p.stdout.split(), p.stdout


def test_sign_curl_is_answered_recorded_by_the_daemon(daemon, db):
    sid = new_sid()
    url = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}?tenant=acme"
    p = run("sign", "--url", url, "--token", TOKEN, "--param", f"CustomerProfileSid={sid}",
            "--param", "Status=draft", "--param", "FailureReason=a b+c é", "--curl")
    assert p.returncode == 0, p.stderr
    assert "curl" in p.stdout
    out = subprocess.run(["bash", "-c", p.stdout], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, (p.stdout, out.stderr)
    assert re.search(r'"result"\s*:\s*"recorded"', out.stdout), (p.stdout, out.stdout, out.stderr)
    [cb] = db.rows("SELECT sid, status, raw_query, failure_reason FROM callbacks")
    assert cb == {"sid": sid, "status": "draft", "raw_query": "tenant=acme", "failure_reason": "a b+c é"}


def test_sign_curl_with_a_json_body_is_answered_recorded(daemon, db, tmp_path):
    sid = new_sid()
    body = tmp_path / "body.json"
    body.write_text(f'{{"CustomerProfileSid": "{sid}", "Status": "in-review"}}')
    url = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}"
    p = run("sign", "--url", url, "--token", TOKEN, "--json-body", str(body), "--curl")
    assert p.returncode == 0, p.stderr
    assert body_sha256(body.read_text()) in p.stdout
    out = subprocess.run(["bash", "-c", p.stdout], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=30)
    assert re.search(r'"result"\s*:\s*"recorded"', out.stdout), (p.stdout, out.stdout, out.stderr)
    assert db.scalar("SELECT status FROM callbacks WHERE sid = %s", sid) == "in-review"


# ---- --version, --help ---------------------------------------------------------------------

def test_version_prints_a_version():
    p = run("--version")
    assert p.returncode == 0, p.stderr
    assert re.search(r"\d+\.\d+", p.stdout + p.stderr), (p.stdout, p.stderr)


def test_help_on_every_command():
    for cmd in ([], ["serve"], ["migrate"], ["check-config"], ["sign"]):
        p = run(*cmd, "--help")
        assert p.returncode == 0, (cmd, p.stderr)
        assert (p.stdout + p.stderr).strip(), cmd


# ---- the daemon ----------------------------------------------------------------------------

def test_healthz_and_readyz_answer_200(daemon):
    assert daemon.get("/healthz").status == 200
    assert daemon.get("/readyz").status == 200


def test_sigterm_exits_zero(daemon):
    sid = new_sid()
    assert_recorded(daemon.post_form([("CustomerProfileSid", sid), ("Status", "draft")]), sid, "draft")
    started = time.monotonic()
    code = daemon.stop()
    assert code == 0, daemon.stderr()
    assert time.monotonic() - started < 10


def test_serve_refuses_pending_migrations_without_migrate(tmp_path, db):
    f = tmp_path / "s.conf"
    f.write_text(f"listen = 127.0.0.1:{free_port()}\ndatabase_url = {db.conninfo}\nauth_token = {TOKEN}\n")
    try:
        p = subprocess.run([statushook_bin(), "serve", "--config", str(f)], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=15, env=clean_env())
    except subprocess.TimeoutExpired as e:
        raise AssertionError("serve without --migrate on a fresh database neither refused nor "
                             f"exited within 15 s; its stderr:\n{(e.stderr or b'').decode()}") from None
    assert p.returncode != 0
    assert "migrat" in p.stderr.lower(), p.stderr
    # `migrate` applies them; running it twice is harmless.
    for _ in range(2):
        m = run("migrate", "--config", str(f))
        assert m.returncode == 0, m.stderr
    assert db.scalar("SELECT count(*) FROM callbacks") == 0


def test_no_secret_appears_in_the_daemons_output(start, db):
    secrets_ = {
        "auth_token": "tok-SECRET-1111111111111111111111",
        "auth_token_previous": "tok-SECRET-2222222222222222222222",
        "callback_password": "pw-SECRET-3333333333333333333",
    }
    account = new_sid("AC")
    account_token = "tok-SECRET-4444444444444444444444"
    d = start({**secrets_, "callback_username": "twilio", f"account.{account}.auth_token": account_token,
               "log_level": "debug"})
    auth = {"Authorization": basic_auth("twilio", secrets_["callback_password"])}
    wrong_auth = {"Authorization": basic_auth("twilio", "pw-SECRET-wrong-55555")}
    sid = new_sid()
    # Failures of every kind, and a success.
    assert_twilio_error(d.post_form([("CustomerProfileSid", sid), ("Status", "draft")], headers=wrong_auth), 401)
    assert_twilio_error(d.post_form([("CustomerProfileSid", sid), ("Status", "draft")],
                                    token="tok-SECRET-wrong-6666666666", headers=auth), 403)
    assert_twilio_error(d.post_form([("Status", "draft")], token=secrets_["auth_token"], headers=auth), 400)
    assert_twilio_error(d.post_form([("CustomerProfileSid", sid), ("Status", "draft"), ("AccountSid", account)],
                                    token=secrets_["auth_token"], headers=auth), 403)
    assert_recorded(d.post_form([("CustomerProfileSid", sid), ("Status", "draft"), ("AccountSid", account)],
                                token=account_token, headers=auth), sid, "draft")
    d.stop()
    output = d.stderr() + "\n" + d.stdout()
    assert output.strip(), "the daemon logged nothing at all"
    for secret in [*secrets_.values(), account_token, "pw-SECRET-wrong-55555",
                   auth["Authorization"].split()[1], wrong_auth["Authorization"].split()[1]]:
        assert secret not in output, f"a secret ({secret[:6]}…) appears in the daemon's output"
    assert "SECRET" not in output
