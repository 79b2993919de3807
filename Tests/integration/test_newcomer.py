"""The README's first command, followed as a newcomer would: run it, then run the lines it prints
(a signed callback, the CLI pointed at its database, the history API with the demo credentials)."""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
from pathlib import Path

import harness

README = harness.REPO_ROOT / "README.md"


def readme_first_command() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    first = block.strip().splitlines()[0]
    return first.split("#", 1)[0].strip()


def printed_command(lines: list[str], starts: str) -> str:
    """The command the script printed that starts with `starts`, backslash continuations joined."""
    for index, line in enumerate(lines):
        if line.strip().startswith(starts):
            command = line.strip()
            while command.endswith("\\"):
                index += 1
                command = command[:-1] + " " + lines[index].strip()
            return command
    raise AssertionError(f"scripts/run printed no line starting {starts!r}:\n" + "\n".join(lines))


def newcomer_env() -> dict[str, str]:
    """A shell with nothing of the suite's: no STATUSHOOK_* variable, except the build folder
    when the suite's binary lives in another one (so the script does not build from scratch)."""
    env = harness.clean_env()
    scratch = Path(harness.statushook_bin()).parent.parent
    if scratch.name != ".build" and scratch.parent == harness.REPO_ROOT:
        env["STATUSHOOK_SCRATCH_PATH"] = scratch.name
    return env


def port_8080_is_free() -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", 8080)) != 0


def test_the_readme_first_command_serves_and_what_it_prints_works():
    command = readme_first_command()
    assert command == "scripts/run", f"the README's first command is now {command!r}: teach this test it"
    env = newcomer_env()
    listen = "127.0.0.1:8080"
    if not port_8080_is_free():
        # What the script itself tells a newcomer to do when 8080 is taken.
        listen = f"127.0.0.1:{harness.free_port()}"
        env["STATUSHOOK_LISTEN"] = listen
    port = int(listen.rsplit(":", 1)[1])
    process = subprocess.Popen(
        ["bash", "-c", command], cwd=harness.REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    lines: list[str] = []
    pump = threading.Thread(target=harness._pump, args=(process.stdout, lines), daemon=True)
    pump.start()
    try:
        def ready():
            if process.poll() is not None:
                raise AssertionError(f"scripts/run exited {process.returncode}:\n" + "\n".join(lines))
            response = harness.http_request(port, "GET", "/readyz")
            return response.status == 200 and response.json().get("ready") is True
        harness.wait_until(lambda: _quietly(ready), timeout=float(os.environ.get("NEWCOMER_TIMEOUT", "300")),
                           what=lambda: "scripts/run to serve /readyz ready; it printed:\n" + "\n".join(lines))
        printed = list(lines)

        first_line = next(line.strip() for line in printed if " sign --url " in line)
        sign = printed_command(printed, first_line)
        answer = subprocess.run(["bash", "-c", sign], env=env, capture_output=True, text=True, timeout=60)
        assert answer.returncode == 0, answer.stderr
        # The printed curl shows the status line and headers, then the body.
        assert answer.stdout.startswith("HTTP/1.1 200"), answer.stdout
        assert json.loads(answer.stdout.split("\n\n", 1)[1])["result"] == "recorded", answer.stdout

        export = printed_command(printed, "export STATUSHOOK_DATABASE_URL=")
        history = next(line.strip() for line in printed if line.strip().endswith(" history"))
        cli = subprocess.run(["bash", "-c", f"{export}\n{history}"], env=env, capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0, cli.stderr
        assert "BU0123456789abcdef0123456789abcdef" in cli.stdout, cli.stdout
        assert "pending-review" in cli.stdout, cli.stdout

        curl = printed_command(printed, "curl -u ")
        api = subprocess.run(["bash", "-c", curl + " --fail-with-body --silent --show-error"], env=env,
                             capture_output=True, text=True, timeout=60)
        assert api.returncode == 0, api.stdout + api.stderr
        body = json.loads(api.stdout)
        assert [p["sid"] for p in body["results"]] == ["BU0123456789abcdef0123456789abcdef"], body
        assert body["results"][0]["status"] == "pending-review", body
        # The operator page it prints, with the same credentials, shows the profile.
        page_url = next(line.strip() for line in printed if line.strip().endswith("/ui/"))
        page = harness.http_request(port, "GET", page_url.removeprefix(f"http://{listen}") + "profiles",
                                    headers={"Authorization": harness.basic_auth("demo", "demo")})
        assert page.status == 200 and "text/html" in (page.header("Content-Type") or ""), page
        assert "BU0123456789abcdef0123456789abcdef" in page.text, page.text[:2000]
        # Without the demo credentials the API refuses: it really is behind Basic auth.
        url = next(part for part in shlex.split(curl) if part.startswith("http://"))
        assert url.startswith(f"http://{listen}/"), url
        assert harness.http_request(port, "GET", url.removeprefix(f"http://{listen}")).status == 401
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        pump.join(timeout=5)
    assert process.returncode == 0, "scripts/run did not stop cleanly on Ctrl-C:\n" + "\n".join(lines)


def _quietly(predicate):
    """The predicate, with a refused or reset connection (not listening yet) counting as false."""
    try:
        return predicate()
    except (ConnectionError, OSError, TimeoutError):
        return False
