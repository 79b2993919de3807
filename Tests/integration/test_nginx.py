"""statushook behind REAL nginx (Debian's /usr/sbin/nginx) terminating TLS with a self-signed
certificate: the map and location blocks of config/nginx.conf.example, run as written (only the
upstream port changed), in front of the daemon. A callback signed by Twilio's SDK for the public
https://localhost:<port>/statushook/... URL must be accepted through the proxy, with public_url
and with trusted forwarded headers; the same forged headers sent directly by an untrusted peer
must be rejected."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import (
    REPO_ROOT, TOKEN, assert_recorded, assert_twilio_error, form_body, free_port, new_sid, sign,
)

EXAMPLE = REPO_ROOT / "config" / "nginx.conf.example"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
QUERY = "tenant=acme&x=%27"
PUBLIC_PATH = "/statushook/callbacks/twilio"


def example_block(name: str) -> str:
    """The text between '# BEGIN name' and '# END name' in the example (comment marks removed
    for the commented-out variant)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    m = re.search(rf"^[ \t]*# BEGIN {re.escape(name)}\n(.*?)^[ \t]*# END {re.escape(name)}\n", text, re.S | re.M)
    assert m, f"{EXAMPLE} has no block '{name}'"
    block = m.group(1)
    if name.endswith("keep-prefix"):
        block = "\n".join(re.sub(r"^#", "", line) for line in block.splitlines()) + "\n"
    assert "location" not in name or "127.0.0.1:8080" in block, f"block '{name}' does not proxy to 127.0.0.1:8080"
    return block


class Nginx:
    """nginx in the foreground (daemon off) on a free 127.0.0.1 port with TLS."""

    def __init__(self, root: Path, upstream_port: int, location: str, maps: str = "",
                 port: int | None = None):
        self.root = root
        self.port = port or free_port()
        root.mkdir(parents=True, exist_ok=True)
        for d in ("logs", "tmp"):
            (root / d).mkdir(exist_ok=True)
        self.cert, key = root / "cert.pem", root / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(key), "-out", str(self.cert)],
            check=True, capture_output=True, timeout=60)
        location = location.replace("127.0.0.1:8080", f"127.0.0.1:{upstream_port}")
        maps = maps.replace("127.0.0.1:8080", f"127.0.0.1:{upstream_port}")
        tmp = root / "tmp"
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = f"""{user}worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {root}/logs/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{maps}
    server {{
        listen 127.0.0.1:{self.port} ssl;
        server_name localhost;
        ssl_certificate {self.cert};
        ssl_certificate_key {key};
{location}
        location / {{ return 404; }}
    }}
}}
"""
        self.conf = root / "nginx.conf"
        self.conf.write_text(conf, encoding="utf-8")
        test = subprocess.run([NGINX, "-t", "-p", str(root), "-c", str(self.conf),
                               "-g", f"pid {root}/nginx.pid; error_log stderr;"],
                              capture_output=True, text=True, timeout=30)
        if test.returncode != 0:
            raise AssertionError(f"nginx -t failed ({test.returncode}):\n{test.stderr}\n{conf}")
        self.stderr_lines: list[str] = []
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(self.conf),
             "-g", f"daemon off; pid {root}/nginx.pid; error_log stderr info;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                self._pump.join(timeout=5)
                raise AssertionError(f"nginx exited with {self.proc.returncode}:\n{self.stderr()}\n{conf}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"nginx did not listen on {self.port}:\n{self.stderr()}")
                time.sleep(0.05)

    def _read(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self.stderr_lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))

    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._pump.join(timeout=5)

    def post(self, target: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        """One HTTPS request, the target sent exactly as given; the self-signed cert trusted."""
        ctx = ssl.create_default_context(cafile=str(self.cert))
        conn = http.client.HTTPSConnection("localhost", self.port, context=ctx, timeout=20)
        try:
            hdrs = {"Host": f"localhost:{self.port}", "Content-Length": str(len(body))}
            hdrs.update(headers)
            conn.request("POST", target, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()


@pytest.fixture
def nginx(tmp_path, request):
    proxies: list[Nginx] = []

    def _start(upstream_port: int, location: str, maps: str = "", port: int | None = None) -> Nginx:
        n = Nginx(tmp_path / f"nginx-{len(proxies)}", upstream_port, location, maps, port)
        proxies.append(n)
        return n

    yield _start
    failed = getattr(request.node, "rep_call", None)
    for i, n in enumerate(proxies):
        n.stop()
        if failed is not None and failed.failed:
            print(f"---- nginx {i} stderr ----\n" + "\n".join(n.stderr_lines[-60:]))
            log = n.root / "logs" / "access.log"
            if log.exists():
                print(f"---- nginx {i} access log ----\n{log.read_text()[-3000:]}")


def signed_post(proxy: Nginx, sid: str, status: str = "draft", extra_headers: dict | None = None):
    public = f"https://localhost:{proxy.port}{PUBLIC_PATH}?{QUERY}"
    pairs = [("CustomerProfileSid", sid), ("Status", status), ("FriendlyName", "Acme & Sons 'x'")]
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": sign(TOKEN, public, pairs),
               "I-Twilio-Idempotency-Token": secrets.token_hex(8)}
    headers.update(extra_headers or {})
    return proxy.post(f"{PUBLIC_PATH}?{QUERY}", form_body(pairs), headers)


def check_accepted(status: int, body: bytes, db, sid: str, path: str):
    assert status == 200, f"expected 200 through nginx, got {status}: {body[:400]!r}"
    import json
    assert json.loads(body)["result"] == "recorded", body
    [cb] = db.rows("SELECT path, raw_query, peer FROM callbacks WHERE sid = %s", sid)
    assert cb["path"] == path, cb
    assert cb["raw_query"] == QUERY, f"the query was not passed through byte for byte: {cb}"
    assert cb["peer"].startswith("127.0.0.1"), cb


def test_signed_callback_through_nginx_with_public_url(start, db, nginx):
    # nginx's port first (public_url names it), then the daemon, then nginx in front of it.
    public_port = free_port()
    d = start({"public_url": f"https://localhost:{public_port}/statushook"})
    proxy = nginx(d.port, example_block("statushook-location"), example_block("statushook-map"),
                  port=public_port)
    sid = new_sid()
    status, body = signed_post(proxy, sid)
    check_accepted(status, body, db, sid, "/callbacks/twilio")

    # A signature over the decoded query (what a re-encoding proxy would make) is refused.
    pairs = [("CustomerProfileSid", sid), ("Status", "pending-review")]
    wrong = sign(TOKEN, f"https://localhost:{proxy.port}{PUBLIC_PATH}?tenant=acme&x='", pairs)
    status, body = proxy.post(f"{PUBLIC_PATH}?{QUERY}", form_body(pairs),
                              {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": wrong})
    assert status == 403, (status, body)


def test_signed_callback_through_nginx_with_trusted_forwarded_headers(start, db, nginx):
    """No public_url: the daemon trusts 127.0.0.1 (nginx) and rebuilds https://localhost:<port>
    from X-Forwarded-Proto/-Host/-Port. It has no X-Forwarded-Prefix, so this is the example's
    keep-the-prefix variant: callback_path carries /statushook."""
    d = start({"trusted_proxies": "127.0.0.1", "callback_path": PUBLIC_PATH, "public_url": None})
    proxy = nginx(d.port, example_block("statushook-location-keep-prefix"))
    sid = new_sid()
    # A client's own forged X-Forwarded-* are overwritten by nginx's proxy_set_header.
    status, body = signed_post(proxy, sid, extra_headers={"X-Forwarded-Host": "evil.example.com",
                                                         "X-Forwarded-Proto": "http"})
    check_accepted(status, body, db, sid, PUBLIC_PATH)


def test_forged_forwarded_headers_from_an_untrusted_peer_are_rejected(start, db):
    """The same headers nginx sends, sent straight to the daemon from 127.0.0.2 (not in
    trusted_proxies = 127.0.0.1): the URL is rebuilt from http:// + Host, the signature fails."""
    d = start({"trusted_proxies": "127.0.0.1", "callback_path": PUBLIC_PATH})
    public_port = 8443
    public = f"https://localhost:{public_port}{PUBLIC_PATH}?{QUERY}"
    sid = new_sid()
    pairs = [("CustomerProfileSid", sid), ("Status", "draft")]
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost",
              "X-Forwarded-Port": str(public_port), "X-Forwarded-For": "127.0.0.1"}
    r = d.post_form(pairs, path=PUBLIC_PATH, query=QUERY, signed_url=public, headers=forged,
                    source="127.0.0.2", host=f"localhost:{public_port}")
    assert_twilio_error(r, 403)
    db.assert_nothing_written()
    # Control: the very same request from the trusted address is accepted.
    r = d.post_form(pairs, path=PUBLIC_PATH, query=QUERY, signed_url=public, headers=forged,
                    source="127.0.0.1", host=f"localhost:{public_port}")
    assert_recorded(r, sid, "draft")


def test_nginx_example_passes_nginx_t(tmp_path):
    """The whole example file (placeholders replaced) is valid nginx configuration."""
    n = tmp_path / "n"
    (n / "tmp").mkdir(parents=True)
    (n / "logs").mkdir()
    cert, key = n / "cert.pem", n / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=hooks.example.com", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("/etc/ssl/certs/hooks.example.com.fullchain.pem", str(cert))
    text = text.replace("/etc/ssl/private/hooks.example.com.key", str(key))
    text = text.replace("/var/log/nginx/", f"{n}/logs/")
    conf = n / "nginx.conf"
    conf.write_text(f"events {{}}\nhttp {{\nclient_body_temp_path {n}/tmp/b;\nproxy_temp_path {n}/tmp/p;\n"
                    f"fastcgi_temp_path {n}/tmp/f;\nuwsgi_temp_path {n}/tmp/u;\nscgi_temp_path {n}/tmp/s;\n"
                    f"{text}\n}}\n")
    r = subprocess.run([NGINX, "-t", "-p", str(n), "-c", str(conf), "-g", f"pid {n}/nginx.pid; error_log stderr;"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


class _Recorder:
    """A plain HTTP upstream that records each request target as it arrived."""

    def __init__(self):
        import http.server

        targets = self.targets = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                targets.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


RAW_TARGETS = [
    "/statushook/callbacks/twilio?tenant=acme&x=%27",
    "/statushook/callbacks/a%2Db%2fc;p=%41?q=%7e+%20&q=~",
    "/statushook/callbacks/x%25y/%2e%2e/z?a='&b=%c3%a9",
]


@pytest.mark.parametrize("raw", RAW_TARGETS)
def test_example_location_passes_the_target_byte_for_byte(tmp_path, raw):
    """The example's idiom delivers the path and query exactly as sent, prefix cut off; plain
    `proxy_pass http://…/;` (a URI part) would not: the control shows nginx rewriting the path."""
    upstream = _Recorder()
    proxies = []
    try:
        proxy = Nginx(tmp_path / "idiom", upstream.port, example_block("statushook-location"),
                      example_block("statushook-map"))
        proxies.append(proxy)
        status, _ = proxy.post(raw, b"a=b", {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, (status, proxy.stderr())
        assert upstream.targets[-1] == raw[len("/statushook"):], upstream.targets

        if raw != RAW_TARGETS[0]:
            plain = Nginx(tmp_path / "plain", upstream.port,
                          "location /statushook/ { proxy_pass http://127.0.0.1:8080/; }\n")
            proxies.append(plain)
            plain.post(raw, b"a=b", {"Content-Type": "application/x-www-form-urlencoded"})
            assert upstream.targets[-1] != raw[len("/statushook"):], (
                "control: plain proxy_pass with a URI part passed this target unchanged too",
                upstream.targets)
    finally:
        for p in proxies:
            p.stop()
        upstream.stop()
