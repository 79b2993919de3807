"""A real SMTP server (aiosmtpd) for the sink tests, run as a subprocess by peers.SMTPPeer.

Prints `READY <port>` on stdout once it listens on 127.0.0.1, then serves until killed.

Records, in --outdir:
  events.jsonl      one JSON line per SMTP event, with the number of its connection: connect,
                    EHLO/HELO (hostname, tls), STARTTLS, AUTH (mechanism, login, success, tls),
                    MAIL (address, tls), RCPT (address), DATA (reply), RSET, QUIT
  NNN.eml           each accepted message, as received (after dot-unstuffing)
  NNN.json          its envelope and connection, written after the .eml (renamed into place)
  transcript-N.log  every byte the client sent on connection N (after TLS, decrypted)

Scripted replies: --data-replies 451,250 answers the first DATA 451, then 250 (the last entry
repeats); --mail-replies does the same for MAIL FROM. An entry is a code ("451") or a code and
its text ("451 4.3.0 try later"). 250 accepts (and records the message).
"""

import argparse
import asyncio
import itertools
import json
import logging
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

DEFAULT_TEXT = {
    250: "2.0.0 OK",
    421: "4.3.2 scripted: service not available",
    450: "4.2.1 scripted: mailbox busy",
    451: "4.3.0 scripted: local error, try again later",
    452: "4.3.1 scripted: insufficient storage",
    550: "5.7.1 scripted: message refused",
    552: "5.3.4 scripted: message too big",
    554: "5.6.0 scripted: transaction failed",
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--outdir", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    p.add_argument("--auth-plaintext", action="store_true", help="offer AUTH before/without TLS")
    p.add_argument("--data-replies", default="250")
    p.add_argument("--mail-replies", default="250")
    return p.parse_args()


def replies(spec):
    out = []
    for entry in spec.split(","):
        entry = entry.strip()
        code, _, text = entry.partition(" ")
        code = int(code)
        out.append((code, text or DEFAULT_TEXT.get(code, "scripted reply")))
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


class Recorder:
    def __init__(self, outdir):
        self.outdir = outdir
        self.numbers = itertools.count(1)
        os.makedirs(outdir, exist_ok=True)

    def event(self, connection, name, **details):
        line = json.dumps({"connection": connection, "event": name, **details}) + "\n"
        with open(os.path.join(self.outdir, "events.jsonl"), "a") as f:
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
                "rcpt_tos": list(envelope.rcpt_tos), "mail_options": list(envelope.mail_options)}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")


class Handler:
    def __init__(self, recorder, data_script, mail_script):
        self.recorder = recorder
        self.data_script = data_script
        self.mail_script = mail_script

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.recorder.event(server.connection, "EHLO", hostname=hostname, tls=server.is_tls(session),
                            offered=[r[4:] for r in responses])
        session.host_name = hostname
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
        self.recorder.event(server.connection, "RCPT", address=address)
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
    connections = itertools.count(1)

    def __init__(self, *args, recorder, implicit_tls, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.implicit_tls = implicit_tls
        self.connection = next(RecordingSMTP.connections)
        self.connected = False

    def is_tls(self, session):
        return self.implicit_tls or session.ssl is not None

    def connection_made(self, transport):
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
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.auth_user.encode()
              and auth_data.password == args.auth_password.encode())
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else None
        recorder.event(server.connection, "AUTH", mechanism=mechanism, login=login, success=ok,
                       tls=server.is_tls(session))
        return AuthResult(success=ok)
    return check


async def serve(args):
    recorder = Recorder(args.outdir)
    handler = Handler(recorder, Script(args.data_replies), Script(args.mail_replies))
    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    offered = {m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()}
    options = dict(
        recorder=recorder,
        implicit_tls=args.tls == "implicit",
        hostname="localhost",
        timeout=60,
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
        host="127.0.0.1", port=args.port,
        ssl=context if args.tls == "implicit" else None,
    )
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    args = parse_args()
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    if args.auth_user and args.auth_password is None:
        sys.exit("--auth-user needs --auth-password")
    if args.tls != "none" and not (args.cert and args.key):
        sys.exit(f"--tls {args.tls} needs --cert and --key")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
