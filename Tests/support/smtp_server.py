"""A real SMTP server (aiosmtpd) for the SMTPClient tests, started as a subprocess.

Prints `READY <port>` on stdout once it listens, then serves until killed. Every accepted
message is written to --outdir as NNN.eml (the bytes as received, after dot-unstuffing) and
NNN.json (the envelope, the connection it came on, and the message as Python's `email`
package parses it). Every SMTP event (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, RSET,
QUIT) is appended to --outdir/events.jsonl with the number of its connection.

Examples:
  smtp_server.py --outdir D --tls starttls --cert C --key K --auth-user u --auth-password p
  smtp_server.py --outdir D --tls implicit --cert C --key K
  smtp_server.py --outdir D --fail-data 451 --reject-rcpt bad@example.com
  smtp_server.py --outdir D --silent          (accepts connections, never says a word)
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import signal
import threading
import warnings
import logging
import os
import socket
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed with READY)")
    p.add_argument("--outdir", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth-user", help="require AUTH with this user (and --auth-password)")
    p.add_argument("--auth-password")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN", help="comma list offered, of PLAIN,LOGIN")
    p.add_argument("--auth-plaintext", action="store_true", help="offer AUTH without TLS")
    p.add_argument("--fail-data", type=int, help="reply this code to the first DATA, then accept")
    p.add_argument("--reject-rcpt", action="append", default=[], help="reply 550 to RCPT of this address")
    p.add_argument("--idle-timeout", type=float, default=300, help="close sessions idle this many seconds")
    p.add_argument("--silent", action="store_true", help="accept connections and never answer")
    p.add_argument("--exit-with-stdin", action="store_true",
                   help="exit when stdin reaches EOF (the test process that started us is gone)")
    return p.parse_args()


class Recorder:
    """Writes events and messages to the output folder."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.messages = itertools.count(1)
        os.makedirs(outdir, exist_ok=True)

    def event(self, connection, name, **details):
        with open(os.path.join(self.outdir, "events.jsonl"), "a") as f:
            f.write(json.dumps({"connection": connection, "event": name, **details}) + "\n")

    def message(self, connection, envelope):
        number = next(self.messages)
        raw = envelope.original_content or envelope.content
        base = os.path.join(self.outdir, f"{number:03d}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        def header(name):
            value = parsed[name]
            return None if value is None else str(value)

        summary = {
            "connection": connection,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in parsed.items()],
            "subject": header("subject"),
            "from": header("from"),
            "to": header("to"),
            "date": header("date"),
            "message_id": header("message-id"),
            "in_reply_to": header("in-reply-to"),
            "references": header("references"),
            "content_type": parsed.get_content_type(),
            "charset": parsed.get_content_charset(),
            "transfer_encoding": header("content-transfer-encoding"),
            # The parser keeps the CRLFs of the wire; the raw file is there to check those.
            "body": parsed.get_content().replace("\r\n", "\n"),
            "defects": [type(d).__name__ for d in parsed.defects]
            + [type(d).__name__ for h in parsed.values() for d in getattr(h, "defects", [])],
            "max_line_length": max(len(line) for line in raw.split(b"\r\n")),
            "bare_line_breaks": raw.replace(b"\r\n", b"").count(b"\n") + raw.replace(b"\r\n", b"").count(b"\r"),
        }
        # Written last and renamed into place, so a reader never sees half a file.
        with open(base + ".json.tmp", "w") as f:
            json.dump(summary, f, ensure_ascii=False, indent=1)
        os.rename(base + ".json.tmp", base + ".json")


class Handler:
    def __init__(self, args, recorder):
        self.args = args
        self.recorder = recorder
        self.failed_data = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.recorder.event(server.connection, "EHLO", hostname=hostname, tls=session.ssl is not None)
        session.host_name = hostname  # aiosmtpd leaves this to a handler that has the hook
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.recorder.event(server.connection, "MAIL", address=address)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.recorder.event(server.connection, "RCPT", address=address)
        if address in self.args.reject_rcpt:
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.recorder.event(server.connection, "DATA")
        if self.args.fail_data and not self.failed_data:
            self.failed_data = True
            return "%d 4.3.0 scripted failure, try again later" % self.args.fail_data
        self.recorder.message(server.connection, envelope)
        return "250 2.0.0 OK queued"

    async def handle_RSET(self, server, session, envelope):
        self.recorder.event(server.connection, "RSET")
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.recorder.event(server.connection, "QUIT")
        return "221 Bye"


class RecordingSMTP(SMTP):
    """aiosmtpd's server, numbering its connections."""

    connections = itertools.count(1)

    def __init__(self, *args, recorder, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.connection = next(RecordingSMTP.connections)

    def connection_made(self, transport):
        if self.transport is None:
            self.recorder.event(self.connection, "connect")
        else:
            self.recorder.event(self.connection, "STARTTLS")
        super().connection_made(transport)


def authenticator(args, recorder):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.auth_user.encode()
              and auth_data.password == args.auth_password.encode())
        recorder.event(server.connection, "AUTH", mechanism=mechanism, success=ok,
                       tls=session.ssl is not None)
        # handled=False: aiosmtpd itself answers 535 on failure.
        return AuthResult(success=ok, handled=False)
    return check


def tls_context(args):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    return context


def serve_silently(args):
    listener = socket.create_server((args.host, args.port))
    print("READY %d" % listener.getsockname()[1], flush=True)
    accepted = []
    while True:
        connection, _ = listener.accept()
        accepted.append(connection)  # kept open, never written to


async def serve(args):
    recorder = Recorder(args.outdir)
    handler = Handler(args, recorder)
    context = tls_context(args) if args.tls != "none" else None
    offered = {m.strip().upper() for m in args.auth_mechanisms.split(",")}
    options = dict(
        recorder=recorder,
        hostname="localhost",
        timeout=args.idle_timeout,
        auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if m not in offered],
    )
    if args.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.auth_user:
        # In implicit mode aiosmtpd does not know the socket is TLS: AUTH is allowed anyway.
        options.update(authenticator=authenticator(args, recorder), auth_required=True,
                       auth_require_tls=not (args.auth_plaintext or args.tls == "implicit"))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: RecordingSMTP(handler, **options),
        host=args.host, port=args.port,
        ssl=context if args.tls == "implicit" else None,
    )
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    args = parse_args()
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's chatter on stderr
    warnings.simplefilter("ignore")  # e.g. AUTH without TLS, which --auth-plaintext asks for
    # A parent's worker thread may have SIGTERM blocked, and children inherit the mask.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if args.exit_with_stdin:
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
    if args.auth_user and args.auth_password is None:
        sys.exit("--auth-user needs --auth-password")
    if args.tls != "none" and not (args.cert and args.key):
        sys.exit("--tls %s needs --cert and --key" % args.tls)
    if args.silent:
        serve_silently(args)
    else:
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
