"""Hostile input against the real daemon (docs/contract.md §5 limits): slow clients that
trickle bytes, heads over max_header_bytes, more connections than max_connections, and a
chunked body that never ends. Each test bounds its own time; the file runs in well under a minute."""

from __future__ import annotations

import re
import selectors
import socket
import threading
import time

from harness import (
    CALLBACK_PATH, TOKEN, assert_recorded, assert_twilio_error, callback_params, form_body,
    new_sid, report_figure, sign, wait_until, warning_level,
)

# A budget short enough for a quick test; the default (10 s) is the same code with another number.
BUDGET = 4.0
# How late after its deadline a cut may land: the watch ticks every 100 ms; the rest is a
# loaded 2-core machine's scheduling.
CUT_SLACK = 2.0


def signed_head(port: int, pairs, extra: dict | None = None, length: int | None = None) -> bytes:
    """The head of a signed form callback, byte for byte."""
    body = form_body(pairs)
    url = f"http://127.0.0.1:{port}{CALLBACK_PATH}"
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(TOKEN, url, pairs),
        "Content-Length": str(len(body) if length is None else length),
    }
    headers.update(extra or {})
    lines = [f"POST {CALLBACK_PATH} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_status(sock: socket.socket, timeout: float) -> tuple[int | None, bytes]:
    """Reads until the peer closes or the time is up; returns the status line's code (None when
    nothing came) and the bytes read."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
    except (socket.timeout, ConnectionResetError):
        pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(m.group(1)) if m else None), data


def breaches(daemon, reason: str) -> list[dict]:
    """The warnings logged for clients stopped by a limit, for one reason."""
    return [r for r in daemon.log_records()
            if warning_level(r) and str(r.get("reason") or (r.get("metadata") or {}).get("reason")) == reason]


def metric(daemon, name: str, labels: str) -> float:
    r = daemon.get("/metrics")
    assert r.status == 200, r
    m = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", r.text, re.M)
    assert m, f"{name}{{{labels}}} missing from /metrics"
    return float(m.group(1))


class Tricklers:
    """Connections that send a request one byte at a time, each byte well within the idle
    timeout, so that only a bound on the whole request can stop them. One thread drives all."""

    def __init__(self, port: int, count: int, interval: float = 0.5):
        self.port = port
        self.interval = interval
        self.selector = selectors.DefaultSelector()
        self.opened_at: dict[socket.socket, float] = {}
        self.closed_at: dict[socket.socket, float] = {}
        self.answered: list[bytes] = []
        self.pending: dict[socket.socket, bytes] = {}
        self.stop = threading.Event()
        for i in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.setblocking(False)
            self.opened_at[sock] = time.monotonic()
            if i % 2 == 0:
                # Headers that never end.
                sock.send(f"POST {CALLBACK_PATH} HTTP/1.1\r\nHost: x\r\n".encode())
                self.pending[sock] = b"X-Slow: " + b"a" * 10_000
            else:
                # Complete headers, then a body that never ends.
                sock.send(f"POST {CALLBACK_PATH} HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: 5000\r\n\r\n".encode())
                self.pending[sock] = b"a" * 5000
            self.selector.register(sock, selectors.EVENT_READ)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _closed(self, sock: socket.socket) -> None:
        self.closed_at[sock] = time.monotonic()
        self.selector.unregister(sock)
        self.pending.pop(sock, None)

    def _run(self) -> None:
        next_byte = time.monotonic() + self.interval
        while not self.stop.is_set() and self.pending:
            for key, _ in self.selector.select(timeout=0.02):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                if data:
                    self.answered.append(data)
                self._closed(sock)
            if time.monotonic() >= next_byte:
                next_byte += self.interval
                for sock, rest in list(self.pending.items()):
                    try:
                        sock.send(rest[:1])
                        self.pending[sock] = rest[1:]
                    except (BrokenPipeError, ConnectionResetError):
                        self._closed(sock)

    def open_count(self) -> int:
        return len(self.opened_at) - len(self.closed_at)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.opened_at:
            sock.close()


def _peer_closed(sock: socket.socket) -> bool:
    """Whether the peer has closed the connection (without reading or waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.setblocking(True)


# ---- slow clients --------------------------------------------------------------------------

def test_slow_clients_cannot_delay_a_callback_and_are_cut_at_the_request_timeout(start, db):
    d = start({"connection_timeout": f"{int(BUDGET)}s"})
    tricklers = Tricklers(d.port, 300)
    try:
        # While 300 connections trickle, signed callbacks are answered, each within a second.
        latencies = []
        for i in range(5):
            # Sent while every one of them is still connected.
            assert tricklers.open_count() == 300, f"only {tricklers.open_count()} slow clients left"
            sid = new_sid()
            began = time.monotonic()
            r = d.post_form(callback_params(sid, "draft"))
            latencies.append(time.monotonic() - began)
            assert_recorded(r, sid, "draft")
            time.sleep(0.2)
        assert max(latencies) < 1.0, f"callback latencies under slow clients: {latencies}"

        # Each trickler is cut at its deadline, though it never stayed idle for long.
        wait_until(lambda: tricklers.open_count() == 0, BUDGET + CUT_SLACK + 2,
                   lambda: f"{tricklers.open_count()} slow clients still connected")
        lifetimes = [tricklers.closed_at[s] - tricklers.opened_at[s] for s in tricklers.opened_at]
        assert min(lifetimes) >= BUDGET - 0.2, f"a slow client was cut early: {min(lifetimes):.2f}s"
        assert max(lifetimes) <= BUDGET + CUT_SLACK, f"a slow client lived {max(lifetimes):.2f}s"
        assert tricklers.answered == [], f"a cut client got an answer: {tricklers.answered[:1]}"
        report_figure(f"slow clients: 300 trickling, callbacks answered in {min(latencies) * 1000:.0f}-"
                      f"{max(latencies) * 1000:.0f} ms; cut after {min(lifetimes):.2f}-{max(lifetimes):.2f} s "
                      f"(connection_timeout {BUDGET:.0f}s)")
    finally:
        tricklers.close()

    assert db.scalar("SELECT count(*) FROM callbacks") == 5
    wait_until(lambda: len(breaches(d, "request_timeout")) >= 300, 5, "a warning per cut client")
    record = breaches(d, "request_timeout")[0]
    assert "127.0.0.1" in str(record), record
    assert metric(d, "statushook_http_limit_breaches_total", 'reason="request_timeout"') >= 300
    # And the daemon is as it was.
    sid = new_sid()
    assert_recorded(d.post_form(callback_params(sid, "draft")), sid, "draft")


def test_a_kept_alive_connection_gets_the_budget_for_each_request(start, db):
    d = start({"connection_timeout": f"{int(BUDGET)}s"})
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        began = time.monotonic()
        for _ in range(3):
            sid = new_sid()
            pairs = callback_params(sid, "draft")
            sock.sendall(signed_head(d.port, pairs) + form_body(pairs))
            status, data = read_status(sock, 3)
            assert status == 200, data
            time.sleep(BUDGET * 0.6)
        assert time.monotonic() - began > BUDGET * 1.5  # longer than one budget, on one connection
    finally:
        sock.close()
    assert db.scalar("SELECT count(*) FROM callbacks") == 3


# ---- header size ---------------------------------------------------------------------------

def padded_head(port: int, pairs, size: int) -> bytes:
    """A signed head of exactly `size` bytes (request line, headers and the blank line)."""
    base = signed_head(port, pairs, {"X-Pad": ""})
    pad = size - len(base)
    assert pad > 0
    head = signed_head(port, pairs, {"X-Pad": "p" * pad})
    assert len(head) == size
    return head


def test_a_head_over_max_header_bytes_is_431_and_nothing_is_written(start, db):
    d = start({"max_header_bytes": "8KiB"})
    sid = new_sid()
    pairs = callback_params(sid, "draft")

    # One byte over: a Twilio-shaped 431, the body not waited for.
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    sock.sendall(padded_head(d.port, pairs, 8 * 1024 + 1))  # no body sent: it must not be awaited
    status, data = read_status(sock, 3)
    sock.close()
    assert status == 431, data
    head, _, body = data.partition(b"\r\n\r\n")
    assert re.search(rb"content-type: application/json", head, re.I), head
    assert b'"code":20431' in body.replace(b" ", b""), body
    db.assert_nothing_written()
    assert breaches(d, "headers_too_large"), "no warning for the 431"

    # Exactly at the limit: recorded.
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    sock.sendall(padded_head(d.port, pairs, 8 * 1024) + form_body(pairs))
    status, data = read_status(sock, 3)
    sock.close()
    assert status == 200, data
    assert db.scalar("SELECT count(*) FROM callbacks") == 1

    # Far beyond what a connection's memory holds: libmicrohttpd answers 431 itself (its body
    # is its own, not JSON) and closes; still nothing is written.
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        sock.sendall(padded_head(d.port, callback_params(new_sid(), "draft"), 256 * 1024))
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, data = read_status(sock, 3)
    sock.close()
    assert status == 431, data
    assert db.scalar("SELECT count(*) FROM callbacks") == 1


def test_a_request_target_over_max_header_bytes_is_431(start, db):
    d = start({"max_header_bytes": "4KiB"})
    target = CALLBACK_PATH + "?tenant=" + "t" * 5000
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    sock.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
    status, data = read_status(sock, 3)
    sock.close()
    assert status == 431, data
    db.assert_nothing_written()


# ---- connection count ----------------------------------------------------------------------

def test_beyond_max_connections_new_ones_wait_and_service_resumes(start, db):
    d = start({"max_connections": "8", "connection_timeout": "8s"})
    holders = []
    for _ in range(8):
        sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
        sock.sendall(f"POST {CALLBACK_PATH} HTTP/1.1\r\n".encode())  # a head, unfinished
        holders.append(sock)
    time.sleep(0.3)

    # Every slot is taken: a ninth client is not served (libmicrohttpd stops accepting, so it
    # waits in the kernel's queue, or it is closed at once when it raced to a full thread).
    sid = new_sid()
    pairs = callback_params(sid, "draft")
    extra = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        extra.sendall(signed_head(d.port, pairs) + form_body(pairs))
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, data = read_status(extra, 1.0)
    assert status is None, f"served beyond max_connections: {data[:200]!r}"
    waiting = not _peer_closed(extra)
    assert db.scalar("SELECT count(*) FROM callbacks") == 0

    # The connections already open still work: one finishes its request.
    held_sid = new_sid()
    held_pairs = callback_params(held_sid, "draft")
    rest_of_head = signed_head(d.port, held_pairs).split(b"\r\n", 1)[1]  # after the request line
    holders[0].sendall(rest_of_head + form_body(held_pairs))
    status, data = read_status(holders[0], 3)
    assert status == 200, data

    # They go away: the waiting client is served, and new ones are at once.
    for sock in holders:
        sock.close()
    status, data = read_status(extra, 3)
    extra.close()
    assert status == (200 if waiting else None), data
    began = time.monotonic()
    again = new_sid()
    assert_recorded(d.post_form(callback_params(again, "draft")), again, "draft")
    assert time.monotonic() - began < 1.0
    expected = {held_sid, again} | ({sid} if status == 200 else set())
    assert {r["sid"] for r in db.rows("SELECT sid FROM callbacks")} == expected


# ---- a chunked body that never ends --------------------------------------------------------

def test_a_chunked_body_far_over_the_limit_is_cut_not_read_to_its_end(start, db):
    d = start({"max_body_bytes": "64KiB"})
    sid = new_sid()
    pairs = callback_params(sid, "draft")
    url = f"http://127.0.0.1:{d.port}{CALLBACK_PATH}"
    head = (f"POST {CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{d.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {sign(TOKEN, url, pairs)}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
    sock.sendall(head)
    chunk = b"4000\r\n" + b"a" * 0x4000 + b"\r\n"  # 16 KiB a chunk
    sent = 0
    cap = 64 * 1024 * 1024
    began = time.monotonic()
    try:
        while sent < cap and time.monotonic() - began < 10:
            sock.sendall(chunk)
            sent += 0x4000
    except (BrokenPipeError, ConnectionResetError):
        pass
    elapsed = time.monotonic() - began
    status, data = read_status(sock, 2)
    sock.close()
    report_figure(f"endless chunked body: cut after {sent // 1024} KiB sent in {elapsed:.2f} s "
                  f"(max_body_bytes 64 KiB; answer: {status})")
    # The daemon reads up to twice the limit; the rest of what got out sat in socket buffers.
    assert sent < 16 * 1024 * 1024, f"the daemon took {sent} bytes of an endless body in {elapsed:.1f}s"
    assert status is None or status == 413, data
    db.assert_nothing_written()
    assert breaches(d, "body_too_large"), "no warning for the cut body"
    assert metric(d, "statushook_http_limit_breaches_total", 'reason="body_too_large"') == 1

    # A chunked body a little over the limit still gets its 413 in Twilio's shape.
    r = d.request("POST", CALLBACK_PATH, body=form_body(callback_params(sid, "draft", Pad="p" * 70_000)),
                  chunked=True, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_twilio_error(r, 413)
    db.assert_nothing_written()
