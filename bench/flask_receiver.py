"""A typical hand-written StatusCallback receiver, for bench/run to compare statushook with.

Flask, Twilio's RequestValidator, psycopg; one transaction per callback writing what statushook
writes for it (callback row, profile row, transition, one delivery row per sink) in one
statement; the answer after the COMMIT. bench/run serves it with gunicorn (2 workers x 8 threads):

    BENCH_DSN=... BENCH_TOKEN=... BENCH_URL=https://bench.example/callbacks/twilio \
        gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:PORT bench.flask_receiver:app
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

RECORD = """
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


@app.post("/callbacks/twilio")
def callback():
    body = request.get_data(as_text=True)  # first: cached, and the form is then parsed from it
    form = request.form
    if not validator.validate(URL, form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    sid = form.get("CustomerProfileSid", "")
    status = form.get("Status", "")
    if not sid.startswith("BU") or not status:
        abort(400)
    token = request.headers.get("I-Twilio-Idempotency-Token")
    conn = connection()
    with conn.transaction():
        conn.execute(RECORD, {
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
