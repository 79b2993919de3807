#!/usr/bin/env python3
"""A scriptable HTTP(S) receiver for statushook's tests (standard library only).

Usage: http_receiver.py [--tls-cert PEM --tls-key PEM] [--record FILE]

Listens on 127.0.0.1 on a free port and prints that port, alone on the first line of stdout.
Answers every GET and POST; the query string scripts the answer:

  status=500,200   statuses in turn for this path (the last one repeats); default 200
  location=URL     a Location header (for 3xx)
  retry_after=V    a Retry-After header, verbatim
  hang=SECONDS     wait that long before answering (a receiver that hangs)
  close=1          close the connection without answering

Every answer carries X-Connection (the number of the TCP connection it came on, from 1) and
X-Request (the request's number, from 1) and, unless the status forbids a body, a JSON body with
the same two numbers. With --record, each request is appended, before it is answered, to FILE as
one JSON line: request, connection, method, target, headers ([name, value] in order), body
(base64).
"""
import argparse
import base64
import http.server
import json
import signal
import ssl
import sys
import threading
import time
import urllib.parse


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, record_path):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.per_path = {}
        self.record_path = record_path

    def handle_error(self, request, client_address):
        pass  # a client that hangs up or fails the handshake is part of the tests


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that connection reuse can be observed

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.connection_number = self.server.connections

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(target.query)
        with self.server.lock:
            self.server.requests += 1
            number = self.server.requests
            statuses = (query.get("status") or ["200"])[0].split(",")
            seen = self.server.per_path.get(target.path, 0)
            self.server.per_path[target.path] = seen + 1
            status = int(statuses[min(seen, len(statuses) - 1)])
            if self.server.record_path:
                record = {
                    "request": number,
                    "connection": self.connection_number,
                    "method": self.command,
                    "target": self.path,
                    "headers": [[name, value] for name, value in self.headers.items()],
                    "body": base64.b64encode(body).decode("ascii"),
                }
                with open(self.server.record_path, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")
        if "hang" in query:
            time.sleep(float(query["hang"][0]))
        if "close" in query:
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("X-Connection", str(self.connection_number))
        self.send_header("X-Request", str(number))
        if "location" in query:
            self.send_header("Location", query["location"][0])
        if "retry_after" in query:
            self.send_header("Retry-After", query["retry_after"][0])
        if status in (204, 304) or status < 200:
            self.end_headers()
            return
        payload = json.dumps({"connection": self.connection_number, "request": number}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    # A parent that spawns us from a thread with signals blocked (libdispatch's workers block
    # them) would leave SIGTERM blocked here too, and the receiver unstoppable but by SIGKILL.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--record")
    args = parser.parse_args()
    server = Receiver(args.record)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in the connection's own thread (Handler.setup), never in accept().
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
