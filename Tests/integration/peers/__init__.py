"""The peers statushook delivers to, each a real server in a subprocess of its own, and the test
certificate authority they present certificates from.

  SMTPPeer   aiosmtpd (Tests/support/smtp_server.py): STARTTLS or implicit TLS, AUTH
             PLAIN/LOGIN, scripted replies; every message and SMTP event recorded to a folder
  HTTPPeer   a threaded HTTP(S) receiver (Tests/support/http_receiver.py), answers scripted by
             the query string; every request recorded
  TestCA     a CA and a `localhost` server certificate made with the openssl CLI

The two scripts are shared with the Swift tests (their --help tells every flag and output).
Each start waits for the server's READY line and raises, with its output, if it does not come:
a test that needs a server never runs without one.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUPPORT = HERE.parent.parent / "support"  # Tests/support: the peer scripts
READY_TIMEOUT = 20.0


# --------------------------------------------------------------------------------------------
# Certificates


@dataclass
class TestCA:
    """A throwaway CA (ca.pem), and server certificates (name.pem, name.key):
      server      for localhost and 127.0.0.1, signed by the CA: the one to trust
      rogue       for localhost and 127.0.0.1, self-signed: nobody trusts it
      wrong_name  for other.example only, signed by the CA: trusted, but not localhost's"""

    KINDS = ("server", "rogue", "wrong_name")

    def cert_and_key(self, kind: str = "server") -> tuple[Path, Path]:
        if kind not in self.KINDS:
            raise ValueError(f"no certificate {kind!r}; there are {self.KINDS}")
        return self.dir / f"{kind}.pem", self.dir / f"{kind}.key"

    dir: Path

    @property
    def ca_pem(self) -> Path:
        return self.dir / "ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.dir / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.dir / "server.key"

    @classmethod
    def create(cls, directory: Path) -> "TestCA":
        directory.mkdir(parents=True, exist_ok=True)
        ca = cls(directory)

        def openssl(*args: str) -> None:
            p = subprocess.run(["openssl", *args], cwd=directory, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=60)
            if p.returncode != 0:
                raise RuntimeError(f"openssl {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")

        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3",
                "-subj", "/CN=statushook integration test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        (directory / "server.ext").write_text(
            "subjectAltName = DNS:localhost, IP:127.0.0.1\n"
            "basicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
        )
        openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
        openssl("req", "-x509", *ec, "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
        (directory / "wrong_name.ext").write_text(
            "subjectAltName = DNS:other.example\n"
            "basicConstraints = critical, CA:FALSE\n"
            "extendedKeyUsage = serverAuth\n"
        )
        openssl("req", *ec, "-keyout", "wrong_name.key", "-out", "wrong_name.csr", "-subj", "/CN=other.example")
        openssl("x509", "-req", "-in", "wrong_name.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "wrong_name.pem", "-days", "2", "-extfile", "wrong_name.ext")
        openssl("verify", "-CAfile", "ca.pem", "server.pem")
        openssl("verify", "-CAfile", "ca.pem", "wrong_name.pem")
        return ca


# --------------------------------------------------------------------------------------------
# Subprocess servers


class _Peer:
    """A server subprocess that prints `READY <port>` and then serves until stopped."""

    name = "peer"

    def __init__(self, argv: list[str], log_path: Path):
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log_file)
        self.port = self._wait_ready(argv)

    def _wait_ready(self, argv) -> int:
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(READY_TIMEOUT)
        text = line[0].decode(errors="replace").strip() if line else ""
        if not text.startswith("READY "):
            self.stop()
            raise RuntimeError(
                f"the {self.name} did not start ({' '.join(argv)}): first line {text!r}, exit "
                f"{self.proc.returncode}\n{self.log_path.read_text(errors='replace')}")
        return int(text.split()[1])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log_file.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    """Calls predicate() until it returns something truthy; returns that, or raises naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class ReceivedMail:
    """One message the SMTP server accepted, parsed back by Python's `email` package."""

    number: int
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    connection: int
    message: email.message.EmailMessage = field(repr=False)

    @property
    def header_block(self) -> bytes:
        return self.raw.split(b"\r\n\r\n", 1)[0]

    def body_text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",)) if self.message.is_multipart() else self.message
        return part.get_content().replace("\r\n", "\n")


class SMTPPeer(_Peer):
    name = "SMTP server (aiosmtpd)"

    def __init__(self, outdir: Path, *, tls: str = "starttls", ca: TestCA | None = None,
                 certificate: str = "server",
                 auth_user: str | None = None, auth_password: str | None = None,
                 auth_mechanisms: str = "PLAIN,LOGIN", auth_plaintext: bool = False,
                 data_replies: str = "250", mail_replies: str = "250"):
        self.outdir = outdir
        outdir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-u", str(SUPPORT / "smtp_server.py"), "--outdir", str(outdir), "--tls", tls,
                "--auth-mechanisms", auth_mechanisms, "--data-replies", data_replies,
                "--mail-replies", mail_replies]
        if tls != "none":
            if ca is None:
                raise ValueError("a TLS SMTP server needs the test CA")
            cert, key = ca.cert_and_key(certificate)
            argv += ["--cert", str(cert), "--key", str(key)]
        if auth_user:
            argv += ["--auth-user", auth_user, "--auth-password", auth_password or ""]
        if auth_plaintext:
            argv.append("--auth-plaintext")
        super().__init__(argv, outdir / "server.log")

    @property
    def smarthost(self) -> str:
        """host:port, by name, so that the certificate's name is checked."""
        return f"localhost:{self.port}"

    def events(self, name: str | None = None) -> list[dict]:
        path = self.outdir / "events.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines(keepends=True):
            if line.endswith("\n"):
                event = json.loads(line)
                if name is None or event["event"] == name:
                    out.append(event)
        return out

    def transcript(self) -> bytes:
        return b"".join(p.read_bytes() for p in sorted(self.outdir.glob("transcript-*.log")))

    def messages(self) -> list[ReceivedMail]:
        out = []
        # NNN.json, and more digits past 999 messages: in the order the server numbered them.
        for meta_path in sorted(self.outdir.glob("[0-9]*.json"), key=lambda p: int(p.stem)):
            meta = json.loads(meta_path.read_text())
            raw = meta_path.with_suffix(".eml").read_bytes()
            out.append(ReceivedMail(
                number=meta["number"], raw=raw, mail_from=meta["mail_from"], rcpt_tos=meta["rcpt_tos"],
                connection=meta["connection"],
                message=email.message_from_bytes(raw, policy=email.policy.default),
            ))
        return out

    def wait_for_messages(self, count: int, timeout: float = 15.0) -> list[ReceivedMail]:
        wait_for(lambda: len(self.messages()) >= count, timeout,
                 f"{count} message(s) at the SMTP server (events: {self.events()})")
        return self.messages()


@dataclass
class ReceivedRequest:
    """One request as the receiver recorded it; `n` is its number there (the record's "request")."""

    n: int
    connection: int
    at: float
    method: str
    target: str
    path: str
    headers: list[list[str]]
    body: bytes
    status: int | None  # None: the script said close=1

    def header(self, name: str) -> str | None:
        values = self.headers_named(name)
        return values[0] if values else None

    def headers_named(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.headers}

    def json(self):
        return json.loads(self.body)


class HTTPPeer(_Peer):
    name = "HTTP receiver"

    def __init__(self, outdir: Path, *, cert: Path | None = None, key: Path | None = None):
        outdir.mkdir(parents=True, exist_ok=True)
        self.record_path = outdir / "requests.jsonl"
        self.tls = cert is not None
        argv = [sys.executable, "-u", str(SUPPORT / "http_receiver.py"), "--record", str(self.record_path)]
        if cert is not None:
            argv += ["--cert", str(cert), "--key", str(key)]
        super().__init__(argv, outdir / "receiver.log")

    def url(self, path: str = "/hook", **script) -> str:
        """The URL of `path` with the script in its query (status="500,200", retry_after=3, …)."""
        scheme, host = ("https", "localhost") if self.tls else ("http", "127.0.0.1")
        query = urllib.parse.urlencode({k: v for k, v in script.items() if v is not None}, safe=",/:")
        return f"{scheme}://{host}:{self.port}{path}" + (f"?{query}" if query else "")

    def requests(self, path: str | None = None) -> list[ReceivedRequest]:
        if not self.record_path.exists():
            return []
        out = []
        for line in self.record_path.read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # being written
            r = json.loads(line)
            if path is not None and r["path"] != path:
                continue
            out.append(ReceivedRequest(
                n=r["request"], connection=r["connection"], at=r["at"], method=r["method"], target=r["target"],
                path=r["path"], headers=r["headers"], body=base64.b64decode(r["body"]), status=r["status"]))
        return out

    def wait_for_requests(self, count: int, path: str | None = None, timeout: float = 15.0) -> list[ReceivedRequest]:
        wait_for(lambda: len(self.requests(path)) >= count, timeout,
                 f"{count} request(s){' to ' + path if path else ''} at the HTTP receiver "
                 f"(got {len(self.requests(path))})")
        return self.requests(path)
