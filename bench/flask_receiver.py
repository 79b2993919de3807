"""Hand-written StatusCallback receivers, for bench/run to compare statushook with.

Flask, Twilio's RequestValidator, psycopg; one transaction per callback writing what statushook
writes for it (callback row, profile row, transition, one delivery row per sink); the answer
after the COMMIT. Two of them, chosen by BENCH_RECEIVER:

- `typical` (the default), the target's: written the way a Flask view is usually written. One
  statement per row, on a connection kept per thread, and the profile's current status read
  under a row lock, so that a repeated status creates no transition: the contract statushook
  keeps. (Opening a connection per request, as many tutorials do, is too slow to be a fair
  comparison: docs/performance.md.)
- `tuned`: the rows in one statement that assumes a first callback (it never reads the current
  status). Faster, and it does less than the contract asks; bench/run shows it for information.

bench/run serves each with gunicorn (2 workers x 8 threads):

    BENCH_RECEIVER=typical BENCH_DSN=... BENCH_TOKEN=... BENCH_URL=https://bench.example/callbacks/twilio \
        gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:PORT flask_receiver:app
"""

from __future__ import annotations

import json
import os
import threading

import psycopg
from flask import Flask, abort, jsonify, request
from twilio.request_validator import RequestValidator

DSN = os.environ["BENCH_DSN"]
URL = os.environ["BENCH_URL"]
validator = RequestValidator(os.environ["BENCH_TOKEN"])
SINKS = ["log", "hook", "mail"]
# The contract's expected transitions (docs/contract.md §1); any other pair is flagged unexpected.
EXPECTED = {("draft", "pending-review"), ("pending-review", "draft"), ("pending-review", "in-review"),
            ("in-review", "twilio-approved"), ("in-review", "twilio-rejected"),
            ("twilio-rejected", "draft"), ("twilio-rejected", "pending-review"),
            ("twilio-approved", "draft"), ("twilio-approved", "pending-review")}

TUNED_RECORD = """
WITH c AS (
    INSERT INTO callbacks (idempotency_key, idempotency_token, request_id, sid, account_sid, status,
                           failure_reason, params, raw_body, path, raw_query, content_type, peer,
                           received_at, result)
    VALUES (%(key)s, %(token)s, %(request_id)s, %(sid)s, %(account_sid)s, %(status)s, %(failure)s,
            %(params)s::jsonb, %(body)s, %(path)s, '', %(content_type)s, %(peer)s, now(), 'recorded')
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, sid, account_sid, status, received_at),
p AS (
    INSERT INTO profiles (sid, account_sid, status, date_created, date_updated)
    SELECT sid, account_sid, status, received_at, received_at FROM c
    ON CONFLICT (sid) DO UPDATE SET status = EXCLUDED.status, date_updated = EXCLUDED.date_updated),
t AS (
    INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason, unexpected,
                             source, callback_id, occurred_at)
    SELECT sid, account_sid, NULL, status, %(failure)s, false, 'callback', id, received_at FROM c
    RETURNING id, occurred_at)
INSERT INTO deliveries (transition_id, sink, next_attempt_at)
SELECT t.id, s, t.occurred_at FROM t, unnest(%(sinks)s::text[]) AS s
"""

app = Flask(__name__)
local = threading.local()
counter = iter(range(1 << 62))


def connection() -> psycopg.Connection:
    conn = getattr(local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(DSN)
        local.conn = conn
    return conn


def signed_callback():
    """The raw body, the form, its SID and status, once the signature and those two hold."""
    body = request.get_data(as_text=True)  # first: cached, and the form is then parsed from it
    form = request.form
    if not validator.validate(URL, form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    sid = form.get("CustomerProfileSid", "")
    status = form.get("Status", "")
    if not sid.startswith("BU") or not status:
        abort(400)
    return body, form, sid, status


def tuned_callback():
    body, form, sid, status = signed_callback()
    token = request.headers.get("I-Twilio-Idempotency-Token")
    conn = connection()
    with conn.transaction():
        conn.execute(TUNED_RECORD, {
            "key": "t:" + token if token else "s:" + sid + ":" + status,
            "token": token,
            "request_id": f"{os.getpid()}-{next(counter)}",
            "sid": sid,
            "account_sid": form.get("AccountSid"),
            "status": status,
            "failure": form.get("FailureReason"),
            "params": json.dumps(form.to_dict(flat=True)),
            "body": body,
            "path": request.path,
            "content_type": request.content_type or "",
            "peer": request.remote_addr or "",
            "sinks": SINKS,
        })
    return jsonify(result="recorded", sid=sid, status=status)


def typical_callback():
    body, form, sid, status = signed_callback()
    account_sid = form.get("AccountSid")
    failure = form.get("FailureReason")
    token = request.headers.get("I-Twilio-Idempotency-Token")
    conn = connection()
    with conn.transaction():
        row = conn.execute(
            """INSERT INTO callbacks (idempotency_key, idempotency_token, request_id, sid, account_sid,
                                      status, failure_reason, params, raw_body, path, raw_query,
                                      content_type, peer, received_at, result)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, '', %s, %s, now(), 'recorded')
               ON CONFLICT (idempotency_key) DO NOTHING
               RETURNING id, received_at""",
            ("t:" + token if token else "s:" + sid + ":" + status, token,
             f"{os.getpid()}-{next(counter)}", sid, account_sid, status, failure,
             json.dumps(form.to_dict(flat=True)), body, request.path, request.content_type or "",
             request.remote_addr or "")).fetchone()
        if row is None:
            return jsonify(result="duplicate", sid=sid, status=status)
        callback_id, received_at = row
        current = conn.execute("SELECT status FROM profiles WHERE sid = %s FOR UPDATE", (sid,)).fetchone()
        if current is None:
            conn.execute(
                """INSERT INTO profiles (sid, account_sid, status, date_created, date_updated)
                   VALUES (%s, %s, %s, %s, %s)""",
                (sid, account_sid, status, received_at, received_at))
        elif current[0] == status:
            conn.execute("UPDATE callbacks SET result = 'unchanged' WHERE id = %s", (callback_id,))
            return jsonify(result="unchanged", sid=sid, status=status)
        else:
            conn.execute("UPDATE profiles SET status = %s, date_updated = %s WHERE sid = %s",
                         (status, received_at, sid))
        from_status = current[0] if current else None
        transition_id = conn.execute(
            """INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason,
                                        unexpected, source, callback_id, occurred_at)
               VALUES (%s, %s, %s, %s, %s, %s, 'callback', %s, %s)
               RETURNING id""",
            (sid, account_sid, from_status, status, failure,
             from_status is not None and (from_status, status) not in EXPECTED, callback_id,
             received_at)).fetchone()[0]
        for sink in SINKS:
            conn.execute(
                "INSERT INTO deliveries (transition_id, sink, next_attempt_at) VALUES (%s, %s, %s)",
                (transition_id, sink, received_at))
    return jsonify(result="recorded", sid=sid, status=status, transition_id=transition_id)


RECEIVERS = {"typical": typical_callback, "tuned": tuned_callback}
app.add_url_rule("/callbacks/twilio", view_func=RECEIVERS[os.environ.get("BENCH_RECEIVER", "typical")],
                 methods=["POST"])
