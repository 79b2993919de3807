#!/usr/bin/env python3
"""A scriptable HTTP(S) receiver for statushook's tests (standard library only), run as a
subprocess by the Swift tests (Tests/HTTPClientTests/TestReceiver.swift,
Tests/StatushookCoreTests/WebhookTestReceiver.swift) and by the integration suite
(Tests/integration/peers/__init__.py, HTTPPeer).

Usage: http_receiver.py [--host H] [--port P] [--cert PEM --key PEM] [--record FILE]

Prints `READY <port>` on stdout once it listens (on 127.0.0.1 and a free port unless told),
then serves until killed. With --cert and --key it serves https.

Answers GET, POST, PUT, PATCH, DELETE and HEAD; the request's query string scripts the answer,
per target (path and query), so that each URL has its own script:
  status=500,200   statuses in turn for this target; the last one repeats. Default 200.
  retry_after=V    a Retry-After header, verbatim (on non-2xx answers only)
  location=URL     a Location header
  hang=SECONDS     wait that long before answering (a receiver that hangs)
  delay=SECONDS    the same, named for a receiver that is merely slow
  close=1          close the connection without answering

Every answer carries X-Connection (the number of the TCP connection it came on, from 1) and
X-Request (the request's number, from 1) and, unless the status forbids a body (1xx, 204, 304),
the JSON body {"connection": C, "request": N} (not sent to HEAD).

With --record, each request is appended to FILE as it arrives (before it is answered), as one
JSON line: request (its number), connection, at (unix time, float), method, target, path,
version, headers ([name, value] in order), body (base64; chunked bodies are de-chunked),
status (what it will be answered; null with close=1).
"""

import argparse
import base64
import http.server
import json
import signal
import socket
import ssl
import threading
import time
import urllib.parse


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, record_path, context=None, handler=None):
        super().__init__(address, handler or Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.per_target = {}
        self.record_path = record_path
        self.context = context

    def get_request(self):
        sock, addr = super().get_request()
        # The handler writes an answer's head and body apart: without this the body waits for
        # the client's delayed ACK of the head (about 40 ms an answer on a keep-alive connection).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.context is None:
            return sock, addr
        # The handshake happens in the handler's thread (Handler.setup), so that a client that
        # never completes it cannot block the accept loop.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a client that hangs up (a timeout) or fails the TLS handshake is part of the tests


class CountingHandler(http.server.BaseHTTPRequestHandler):
    """Keep-alive, the TLS handshake in the handler's thread, each connection numbered, no log;
    the chat receiver's handler is one too."""
    protocol_version = "HTTP/1.1"  # keep-alive, so that connection reuse can be observed
    timeout = 60

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.connection_number = self.server.connections

    def log_message(self, format, *args):
        pass


class Handler(CountingHandler):

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self):
        at = time.time()
        body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        statuses = [int(s) for s in (query.get("status") or "200").split(",") if s.strip()] or [200]
        close = "close" in query
        with self.server.lock:
            self.server.requests += 1
            number = self.server.requests
            index = self.server.per_target.get(self.path, 0)
            self.server.per_target[self.path] = index + 1
            status = statuses[min(index, len(statuses) - 1)]
            if self.server.record_path:
                record = {
                    "request": number, "connection": self.connection_number, "at": at,
                    "method": self.command, "target": self.path, "path": url.path,
                    "version": self.request_version,
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body": base64.b64encode(body).decode("ascii"),
                    "status": None if close else status,
                }
                with open(self.server.record_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
        wait = float(query.get("hang") or query.get("delay") or 0)
        if wait:
            time.sleep(wait)
        if close:
            self.close_connection = True
            return
        try:
            self.send_response(status)
            self.send_header("X-Connection", str(self.connection_number))
            self.send_header("X-Request", str(number))
            if not 200 <= status < 300 and "retry_after" in query:
                self.send_header("Retry-After", query["retry_after"])
            if "location" in query:
                self.send_header("Location", query["location"])
            if status < 200 or status in (204, 304):
                self.end_headers()
            else:
                payload = json.dumps({"connection": self.connection_number, "request": number}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    do_POST = do_GET = do_PUT = do_HEAD = do_DELETE = do_PATCH = answer


def main():
    # A parent that spawns us from a thread with signals blocked (Swift's test threads,
    # libdispatch's workers) leaves them blocked here too: the receiver could then be stopped
    # by SIGKILL only.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed with READY)")
    p.add_argument("--record", help="append each request to this file, one JSON line each")
    p.add_argument("--cert", help="serve https with this certificate (PEM; needs --key)")
    p.add_argument("--key")
    args = p.parse_args()
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")
    if args.record:
        open(args.record, "a").close()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    server = Receiver((args.host, args.port), args.record, context)
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
