"""The smtp sink against a real SMTP server (aiosmtpd, STARTTLS or implicit TLS with the test
CA's certificate, AUTH PLAIN/LOGIN): docs/contract.md §2.

Every message the server accepts is parsed back with Python's `email` package."""

from __future__ import annotations

import email.utils
import re
import time
from datetime import datetime, timezone

import pytest

from harness import (
    attempts_of, delivery_for, describe_outbox, insert_profile, new_sid, record_transition,
    wait_for_delivery,
)

FROM = "statushook@example.com"
TO = ["ops@example.com", "compliance@example.org"]
HELLO = "statushook.test"
USER = "statushook"
PASSWORD = "s3cret-pässword#1"


def smtp_sink(server, name: str = "mail", *, credentials: bool = False, **fields) -> dict:
    config = {
        f"sink.{name}.type": "smtp",
        f"sink.{name}.smarthost": server.smarthost,
        f"sink.{name}.from": FROM,
        f"sink.{name}.to": ", ".join(TO),
        f"sink.{name}.hello": HELLO,
        f"sink.{name}.timeout": "10s",
    }
    if credentials:
        config[f"sink.{name}.username"] = USER
        config[f"sink.{name}.password"] = PASSWORD
    config.update({f"sink.{name}.{k}": v for k, v in fields.items()})
    return config


def assert_wire_format(raw: bytes) -> None:
    """CRLF only, no line over RFC 5322's 998 octets, a header section in ASCII."""
    assert raw.replace(b"\r\n", b"").count(b"\n") == 0, "a bare LF in the message"
    assert raw.replace(b"\r\n", b"").count(b"\r") == 0, "a bare CR in the message"
    longest = max(len(line) for line in raw.split(b"\r\n"))
    assert longest <= 998, f"a line of {longest} octets"
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    try:
        header_block.decode("ascii")
    except UnicodeDecodeError as e:
        raise AssertionError(f"8-bit bytes in the header section (not RFC 2047-encoded): {header_block!r}") from e


def assert_no_defects(message) -> None:
    defects = list(message.defects)
    for value in message.values():
        defects += list(getattr(value, "defects", []))
    for part in message.walk():
        defects += list(part.defects)
    assert not defects, f"the email package found defects: {defects}"


def plain_part(message):
    part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    assert part is not None and part.get_content_type() == "text/plain", message.get_content_type()
    return part


def test_transition_arrives_as_a_well_formed_email(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls", auth_user=USER, auth_password=PASSWORD, auth_mechanisms="PLAIN")
    daemon = start_sinks(smtp_sink(server, credentials=True))
    sid, other, account = new_sid(), new_sid(), new_sid("AC")
    friendly = "Café Zoë ✓ Ltd"
    insert_profile(db, sid, "in-review", friendly)
    reason = "Business name mismatch (18601); address could not be verified (18602)"
    tid = record_transition(daemon, sid, "twilio-rejected", AccountSid=account, FailureReason=reason)

    [mail] = server.wait_for_messages(1)
    delivery = wait_for_delivery(db, delivery_for(db, tid, "mail")["id"])
    assert delivery["state"] == "delivered", describe_outbox(db)
    assert [a["outcome"] for a in attempts_of(db, delivery["id"])] == ["delivered"]
    [transition] = db.rows("SELECT * FROM transitions WHERE id = %s", tid)

    # The envelope: our sender, one RCPT per recipient, nothing else.
    assert mail.mail_from == FROM
    assert sorted(mail.rcpt_tos) == sorted(TO)
    assert sorted(e["address"] for e in server.events("RCPT")) == sorted(TO)

    # The session: EHLO with the configured name, STARTTLS, AUTH PLAIN over TLS, then MAIL.
    ehlos = server.events("EHLO")
    assert ehlos and all(e["hostname"] == HELLO for e in ehlos), ehlos
    assert server.events("STARTTLS"), server.events()
    [auth] = server.events("AUTH")
    assert auth == {**auth, "mechanism": "PLAIN", "login": USER, "success": True, "tls": True}, auth
    [mail_cmd] = server.events("MAIL")
    assert mail_cmd["tls"] and mail_cmd["authenticated"], mail_cmd

    # The message, as Python's email package reads it.
    raw, msg = mail.raw, mail.message
    assert_wire_format(raw)
    assert_no_defects(msg)
    subject = msg["Subject"]
    assert friendly in subject and sid in subject and "twilio-rejected" in subject, subject
    assert "is now" in subject, subject
    raw_subject = re.search(rb"^Subject:(.*(?:\r\n[ \t].*)*)", raw, re.M | re.I).group(1)
    assert b"=?utf-8?" in raw_subject.lower(), f"the subject is not RFC 2047-encoded: {raw_subject!r}"
    assert email.utils.parseaddr(msg["From"])[1] == FROM, msg["From"]
    assert sorted(a for _, a in email.utils.getaddresses([msg["To"]])) == sorted(TO), msg["To"]
    assert msg["MIME-Version"] == "1.0", msg["MIME-Version"]
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    assert sent.tzinfo is not None and abs((datetime.now(timezone.utc) - sent).total_seconds()) < 300, msg["Date"]
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", msg["Message-ID"] or ""), msg["Message-ID"]
    assert msg["In-Reply-To"] and msg["References"], "no threading headers"
    for name in ("Subject", "From", "To", "Date", "Message-ID", "MIME-Version"):
        assert len(msg.get_all(name)) == 1, f"{name} appears {len(msg.get_all(name))} times"

    part = plain_part(msg)
    assert part.get_content_charset() == "utf-8", part["Content-Type"]
    body = part.get_content()
    for needle in (friendly, sid, "in-review", "twilio-rejected", reason, "18601", "18602"):
        assert needle in body, f"{needle!r} not in the text:\n{body}"
    when = transition["occurred_at"].astimezone(timezone.utc)
    assert when.strftime("%Y-%m-%d") in body and when.strftime("%H:%M") in body, f"no time of {when} in:\n{body}"
    lowered = body.lower()
    for label in ("from", "to", "when", "reason", "code", "sid"):
        assert label in lowered, f"no {label!r} in the text:\n{body}"

    # Threading: the next mail about this profile replies to the same thread; another
    # profile's starts its own.
    record_transition(daemon, sid, "pending-review", AccountSid=account)
    record_transition(daemon, other, "draft")
    mails = server.wait_for_messages(3)
    by_sid = {}
    for m in mails:
        assert_wire_format(m.raw)
        assert_no_defects(m.message)
        by_sid.setdefault(sid if sid in m.message["Subject"] else other, []).append(m.message)
    first, second = by_sid[sid]
    [third] = by_sid[other]
    assert second["In-Reply-To"] == first["In-Reply-To"], (first["In-Reply-To"], second["In-Reply-To"])
    assert first["In-Reply-To"] in second["References"], second["References"]
    assert third["In-Reply-To"] != first["In-Reply-To"], third["In-Reply-To"]
    ids = {m["Message-ID"] for m in (first, second, third)}
    assert len(ids) == 3, ids
    assert first["In-Reply-To"] not in ids, "a mail replies to itself"


def test_implicit_tls_and_auth_login(start_sinks, smtp_server, db):
    server = smtp_server(tls="implicit", auth_user=USER, auth_password=PASSWORD, auth_mechanisms="LOGIN")
    daemon = start_sinks(smtp_sink(server, credentials=True, tls="implicit"))
    tid = record_transition(daemon, new_sid(), "draft")
    [mail] = server.wait_for_messages(1)
    assert wait_for_delivery(db, delivery_for(db, tid, "mail")["id"])["state"] == "delivered"
    [auth] = server.events("AUTH")
    assert auth["mechanism"] == "LOGIN" and auth["success"] and auth["login"] == USER, auth
    assert not server.events("STARTTLS")
    assert_wire_format(mail.raw)


def test_required_starttls_not_offered_is_a_clear_error_and_a_dead_delivery(start_sinks, smtp_server, db):
    # A plaintext server that would take AUTH and mail: the daemon must stop at its EHLO.
    server = smtp_server(tls="none", auth_user=USER, auth_password=PASSWORD, auth_plaintext=True)
    daemon = start_sinks(smtp_sink(server, credentials=True))  # tls defaults to starttls
    tid = record_transition(daemon, new_sid(), "draft")
    delivery = wait_for_delivery(db, delivery_for(db, tid, "mail")["id"])
    assert delivery["state"] == "dead", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    assert [a["outcome"] for a in attempts] == ["permanent"], attempts
    assert re.search(r"starttls", delivery["last_error"] or "", re.I), delivery["last_error"]
    assert re.search(r"starttls", attempts[0]["detail"], re.I), attempts[0]["detail"]
    # Nothing was said in the clear: no AUTH, no MAIL, no message.
    assert server.events("EHLO"), server.events()
    assert not server.events("AUTH") and not server.events("MAIL"), server.events()
    assert b"AUTH" not in server.transcript().upper(), server.transcript()
    assert server.messages() == []


def test_auth_is_refused_over_plaintext_unless_allowed(start_sinks, smtp_server, db):
    strict = smtp_server(tls="none", auth_user=USER, auth_password=PASSWORD, auth_plaintext=True)
    relaxed = smtp_server(tls="none", auth_user=USER, auth_password=PASSWORD, auth_plaintext=True)
    config = smtp_sink(strict, "strict", credentials=True, tls="none")
    config.update(smtp_sink(relaxed, "relaxed", credentials=True, tls="none", allow_plaintext_auth="true"))
    daemon = start_sinks(config)
    tid = record_transition(daemon, new_sid(), "draft")

    relaxed.wait_for_messages(1)
    assert wait_for_delivery(db, delivery_for(db, tid, "relaxed")["id"])["state"] == "delivered"
    [auth] = relaxed.events("AUTH")
    assert auth["success"] and not auth["tls"], auth

    refused = wait_for_delivery(db, delivery_for(db, tid, "strict")["id"], timeout=20)
    assert refused["state"] == "dead", describe_outbox(db)
    assert refused["last_error"], refused
    assert not strict.events("AUTH") and b"AUTH" not in strict.transcript().upper(), strict.events()
    assert PASSWORD.encode() not in strict.transcript()
    assert strict.messages() == []


def test_451_is_retried_and_then_delivered(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls", data_replies="451,250")
    daemon = start_sinks(smtp_sink(server))
    tid = record_transition(daemon, new_sid(), "draft")
    delivery = wait_for_delivery(db, delivery_for(db, tid, "mail")["id"], timeout=20)
    assert delivery["state"] == "delivered", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    assert [a["outcome"] for a in attempts] == ["transient", "delivered"], attempts
    assert "451" in attempts[0]["detail"], attempts[0]["detail"]
    gap = (attempts[1]["started_at"] - attempts[0]["started_at"]).total_seconds()
    assert gap >= 0.75, f"retried {gap:.2f}s later; the schedule says 1s ± 20 %"
    assert [e["reply"] for e in server.events("DATA")] == [451, 250]
    [mail] = server.messages()
    assert sorted(mail.rcpt_tos) == sorted(TO)


def test_550_is_dead_at_once(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls", data_replies="550")
    daemon = start_sinks(smtp_sink(server))
    tid = record_transition(daemon, new_sid(), "draft")
    delivery = wait_for_delivery(db, delivery_for(db, tid, "mail")["id"])
    assert delivery["state"] == "dead", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    assert [a["outcome"] for a in attempts] == ["permanent"], attempts
    assert "550" in (delivery["last_error"] or ""), delivery["last_error"]
    time.sleep(1.5)  # longer than the retry schedule's first delay: no second try comes
    assert len(server.events("DATA")) == 1, server.events("DATA")
    assert len(attempts_of(db, delivery["id"])) == 1
    assert server.messages() == []


def test_values_from_a_callback_inject_no_header_and_no_smtp_command(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls")
    daemon = start_sinks(smtp_sink(server))
    sid = new_sid()
    # A friendly name (a profile's, as the TrustHub API will store it) that tries a header…
    insert_profile(db, sid, "in-review", "Acme\r\nBcc: evil@attacker.example\r\nX-Injected: yes")
    # …and a FailureReason that tries to end DATA and start a transaction of its own.
    reason = ("Rejected.\r\n.\r\nMAIL FROM:<evil@attacker.example>\r\nRCPT TO:<evil@attacker.example>\r\n"
              "DATA\r\nSubject: injected\r\nBcc: evil@attacker.example\r\n\r\nowned\r\n.\r\nQUIT\r\n"
              ".\n.\rX-Injected: yes\n\nBcc: evil@attacker.example\r\n..\r\n. \r\n.")
    tid = record_transition(daemon, sid, "twilio-rejected", FailureReason=reason)
    delivery = wait_for_delivery(db, delivery_for(db, tid, "mail")["id"])
    assert delivery["state"] == "delivered", describe_outbox(db)
    time.sleep(0.5)

    # The server saw one transaction with exactly the configured envelope.
    assert [e["address"] for e in server.events("MAIL")] == [FROM], server.events()
    assert sorted(e["address"] for e in server.events("RCPT")) == sorted(TO), server.events()
    assert len(server.events("DATA")) == 1, server.events()
    [mail] = server.messages()
    assert mail.mail_from == FROM and sorted(mail.rcpt_tos) == sorted(TO)

    msg = mail.message
    assert_wire_format(mail.raw)
    names = [k.lower() for k in msg.keys()]
    assert "bcc" not in names and "x-injected" not in names, msg.items()
    for name in ("subject", "from", "to", "date", "message-id"):
        assert names.count(name) == 1, f"{name} appears {names.count(name)} times: {msg.items()}"
    assert "attacker" not in (msg["To"] + msg["From"] + (msg["Cc"] or "")), msg.items()
    assert "Acme" in msg["Subject"] and sid in msg["Subject"], msg["Subject"]
    body = plain_part(msg).get_content()
    assert "Rejected." in body, body
    # The body's lines are the message's: none of them became a header of a second message.
    assert "owned" not in (msg["Subject"] or "")


@pytest.mark.parametrize("certificate", ["rogue", "wrong_name"])
def test_an_untrusted_certificate_is_refused(start_sinks, smtp_server, db, certificate):
    """Self-signed, or signed by the trusted CA for another host name: no AUTH, no mail."""
    server = smtp_server(tls="starttls", certificate=certificate, auth_user=USER, auth_password=PASSWORD)
    daemon = start_sinks({**smtp_sink(server, credentials=True), "retry_schedule": "1s"})
    tid = record_transition(daemon, new_sid(), "draft")
    delivery = wait_for_delivery(db, delivery_for(db, tid, "mail")["id"], timeout=15)
    assert delivery["state"] == "dead", describe_outbox(db)
    attempts = attempts_of(db, delivery["id"])
    # Transient (a renewed certificate ends it): tried again on the schedule, dead once it is spent.
    assert [a["outcome"] for a in attempts] == ["transient", "transient"], attempts
    assert re.search(r"tls|ssl|certificate|verif|host ?name", delivery["last_error"] or "", re.I), delivery["last_error"]
    assert not server.events("AUTH") and not server.events("MAIL") and server.messages() == [], server.events()


def test_a_burst_reuses_the_smtp_connection(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls")
    daemon = start_sinks(smtp_sink(server))
    for _ in range(8):
        record_transition(daemon, new_sid(), "draft")
    mails = server.wait_for_messages(8)
    connections = {m.connection for m in mails}
    assert len(connections) < len(mails), f"8 messages over {len(connections)} connections"
    assert len(server.events("STARTTLS")) == len(server.events("connect")), server.events()
