"""A real SMTP server (aiosmtpd) for statushook's tests, run as a subprocess by the Swift
SMTPClient tests (Tests/SMTPClientTests/Support/TestSMTPServer.swift) and by the integration
suite (Tests/integration/peers/__init__.py, SMTPPeer).

Prints `READY <port>` on stdout once it listens, then serves until killed (SIGTERM, SIGINT,
or, with --exit-with-stdin, the end of its standard input).

Records, in --outdir:
  events.jsonl      one JSON line per SMTP event, with the number of its connection (from 1):
                    connect, EHLO/HELO (hostname, tls; EHLO: offered), STARTTLS,
                    AUTH (mechanism, login, success, tls), MAIL (address, tls, authenticated,
                    reply), RCPT (address, reply), DATA (reply, rcpt_tos), RSET, QUIT
  NNN.eml           each accepted message, as received (after dot-unstuffing)
  NNN.json          its envelope (number, connection, mail_from, rcpt_tos, mail_options) and
                    the message as Python's `email` package parses it (headers, subject, from,
                    to, date, message_id, in_reply_to, references, content_type, charset,
                    transfer_encoding, body, defects, max_line_length, bare_line_breaks);
                    written after the .eml and renamed into place, so never seen half-written
  transcript-N.log  every byte the client sent on connection N (after TLS, decrypted)

"tls" is true on a STARTTLS-upgraded session and on every implicit-TLS session.

Scripted replies: --data-replies 451,250 answers the first DATA 451, then 250 (the last entry
repeats); --mail-replies does the same for MAIL FROM. An entry is a code ("451") or a code and
its text ("451 4.3.0 try later"; no commas in the text). 250 accepts (and, for DATA, records
the message). --reject-rcpt ADDRESS answers 550 to RCPT TO of that address (repeatable).

Examples:
  smtp_server.py --outdir D --tls starttls --cert C --key K --auth-user u --auth-password p
  smtp_server.py --outdir D --tls implicit --cert C --key K --auth-mechanisms LOGIN
  smtp_server.py --outdir D --data-replies 451,250 --reject-rcpt bad@example.com
  smtp_server.py --outdir D --silent          (accepts connections, never says a word)
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

DEFAULT_TEXT = {
    250: "2.0.0 OK",
    421: "4.3.2 scripted: service not available",
    450: "4.2.1 scripted: mailbox busy",
    451: "4.3.0 scripted failure, try again later",
    452: "4.3.1 scripted: insufficient storage",
    550: "5.7.1 scripted: message refused",
    552: "5.3.4 scripted: message too big",
    554: "5.6.0 scripted: transaction failed",
}


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
    p.add_argument("--auth-plaintext", action="store_true", help="offer AUTH before/without TLS")
    p.add_argument("--data-replies", default="250", help="replies to DATA in turn, e.g. 451,250")
    p.add_argument("--mail-replies", default="250", help="replies to MAIL FROM in turn, e.g. 451,250")
    p.add_argument("--reject-rcpt", action="append", default=[], help="reply 550 to RCPT of this address")
    p.add_argument("--idle-timeout", type=float, default=300, help="close sessions idle this many seconds")
    p.add_argument("--silent", action="store_true", help="accept connections and never answer")
    p.add_argument("--exit-with-stdin", action="store_true",
                   help="exit when stdin reaches EOF (the test process that started us is gone)")
    return p.parse_args()


def replies(spec):
    out = []
    for entry in spec.split(","):
        entry = entry.strip()
        if not entry:
            continue
        code, _, text = entry.partition(" ")
        code = int(code)
        out.append((code, text or DEFAULT_TEXT.get(code, "scripted reply")))
    if not out:
        raise ValueError(f"no reply in {spec!r}")
    return out


class Script:
    """Replies in turn; the last one repeats."""

    def __init__(self, spec):
        self.replies = replies(spec)
        self.used = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            reply = self.replies[min(self.used, len(self.replies) - 1)]
            self.used += 1
            return reply


def text_body(parsed):
    """The text the message says: its text/plain part (or itself), CRLFs as \\n; "" if none."""
    try:
        part = parsed.get_body(preferencelist=("plain",)) if parsed.is_multipart() else parsed
        content = part.get_content() if part is not None else ""
    except Exception:  # a test looks at the .eml for what the parser could not read
        return ""
    # The parser keeps the CRLFs of the wire; the raw file is there to check those.
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


def summarize(raw):
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    def header(name):
        value = parsed[name]
        return None if value is None else str(value)

    defects = []
    for part in parsed.walk():
        defects += [type(d).__name__ for d in part.defects]
        defects += [type(d).__name__ for h in part.values() for d in getattr(h, "defects", [])]
    unix = raw.replace(b"\r\n", b"")
    return {
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
        "body": text_body(parsed),
        "defects": defects,
        "max_line_length": max(len(line) for line in raw.split(b"\r\n")),
        "bare_line_breaks": unix.count(b"\n") + unix.count(b"\r"),
    }


class Recorder:
    """Writes events, transcripts and messages to the output folder."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.numbers = itertools.count(1)
        os.makedirs(outdir, exist_ok=True)

    def event(self, connection, name, **details):
        line = json.dumps({"connection": connection, "event": name, **details}) + "\n"
        with open(os.path.join(self.outdir, "events.jsonl"), "a", encoding="utf-8") as f:
            f.write(line)

    def transcript(self, connection, data):
        with open(os.path.join(self.outdir, f"transcript-{connection}.log"), "ab") as f:
            f.write(data)

    def message(self, connection, envelope):
        number = next(self.numbers)
        base = os.path.join(self.outdir, f"{number:03d}")
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        meta = {"number": number, "connection": connection, "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos), "mail_options": list(envelope.mail_options),
                **summarize(raw)}
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=1)
        os.rename(base + ".json.tmp", base + ".json")


class Handler:
    def __init__(self, args, recorder):
        self.recorder = recorder
        self.reject_rcpt = set(args.reject_rcpt)
        self.data_script = Script(args.data_replies)
        self.mail_script = Script(args.mail_replies)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.recorder.event(server.connection, "EHLO", hostname=hostname, tls=server.is_tls(session),
                            offered=[r[4:] for r in responses])
        session.host_name = hostname  # aiosmtpd leaves this to a handler that has the hook
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.recorder.event(server.connection, "HELO", hostname=hostname, tls=server.is_tls(session))
        session.host_name = hostname
        return "250 {}".format(server.hostname)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        code, text = self.mail_script.next()
        self.recorder.event(server.connection, "MAIL", address=address, tls=server.is_tls(session),
                            authenticated=bool(session.authenticated), reply=code)
        if code != 250:
            return f"{code} {text}"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refused = address in self.reject_rcpt
        self.recorder.event(server.connection, "RCPT", address=address, reply=550 if refused else 250)
        if refused:
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        code, text = self.data_script.next()
        self.recorder.event(server.connection, "DATA", reply=code, rcpt_tos=list(envelope.rcpt_tos))
        if code != 250:
            return f"{code} {text}"
        self.recorder.message(server.connection, envelope)
        return f"250 {text}"

    async def handle_RSET(self, server, session, envelope):
        self.recorder.event(server.connection, "RSET")
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.recorder.event(server.connection, "QUIT")
        return "221 Bye"


class RecordingSMTP(SMTP):
    """aiosmtpd's server, numbering its connections and recording what the client sends."""

    connections = itertools.count(1)

    def __init__(self, *args, recorder, implicit_tls, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.implicit_tls = implicit_tls
        self.connection = next(RecordingSMTP.connections)
        self.connected = False

    def is_tls(self, session):
        # In implicit mode aiosmtpd does not know the socket is TLS (session.ssl stays None).
        return self.implicit_tls or session.ssl is not None

    def connection_made(self, transport):
        # Called again, with the TLS transport, after STARTTLS.
        if not self.connected:
            self.connected = True
            self.recorder.event(self.connection, "connect")
        else:
            self.recorder.event(self.connection, "STARTTLS")
        super().connection_made(transport)

    def data_received(self, data):
        self.recorder.transcript(self.connection, data)
        super().data_received(data)


def authenticator(args, recorder):
    def check(server, session, envelope, mechanism, auth_data):
        is_login = isinstance(auth_data, LoginPassword)
        ok = (is_login
              and auth_data.login == args.auth_user.encode()
              and auth_data.password == args.auth_password.encode())
        login = auth_data.login.decode("utf-8", "replace") if is_login else None
        recorder.event(server.connection, "AUTH", mechanism=mechanism, login=login, success=ok,
                       tls=server.is_tls(session))
        # handled=False: on failure aiosmtpd itself answers 535.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
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
    offered = {m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()}
    options = dict(
        recorder=recorder,
        implicit_tls=args.tls == "implicit",
        hostname="localhost",
        timeout=args.idle_timeout,
        auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if m not in offered],
    )
    if args.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.auth_user:
        # In implicit mode aiosmtpd does not know the socket is TLS, so it must not insist on it.
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
    # A parent that spawns us from a thread with signals blocked (Swift's test threads,
    # libdispatch's workers) leaves them blocked here too: the server could then be stopped by
    # SIGKILL only.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    args = parse_args()
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's chatter on stderr
    warnings.simplefilter("ignore")  # e.g. AUTH without TLS, which --auth-plaintext asks for
    if args.auth_user and args.auth_password is None:
        sys.exit("--auth-user needs --auth-password")
    if args.tls != "none" and not (args.cert and args.key):
        sys.exit(f"--tls {args.tls} needs --cert and --key")
    try:
        replies(args.data_replies), replies(args.mail_replies)
    except ValueError as e:
        sys.exit(f"bad scripted reply: {e}")
    if args.exit_with_stdin:
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
    if args.silent:
        serve_silently(args)
    else:
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
