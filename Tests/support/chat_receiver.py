#!/usr/bin/env python3
"""A stand-in for Slack's incoming webhooks and Microsoft Teams' Workflows webhooks, for
statushook's chat-sink tests (standard library only). Neither service can run here: this answers
as their documentation says, and checks each body the way the service would before it answers.

Usage: chat_receiver.py [--port P] [--cert PEM --key PEM] --record FILE

Prints `READY <port>` once it listens on 127.0.0.1, then serves until killed.

Any path under /services/ is a Slack webhook; any path under /workflows/ a Teams one. The query's
`answers` (a comma list, per target; the last repeats) scripts what the service says:

Slack (its incoming-webhook errors, as documented):
  ok                    200 "ok"      (only when the body is a valid message; else the error below)
  rate_limited          429 "rate_limited", Retry-After: `retry_after` (default 1)
  no_service            404 "no_service"            the webhook was disabled or removed
  channel_not_found     404 "channel_not_found"
  channel_is_archived   410 "channel_is_archived"
  action_prohibited     403 "action_prohibited"
  invalid_payload       400 "invalid_payload"
  rollup_error          500 "rollup_error"
  A body that is not a JSON object is answered 400 invalid_payload; one without `text` (and
  without blocks) 400 no_text; blocks that are not valid Block Kit 400 invalid_blocks. So are
  blocks whose texts add up to more than 12,000 characters: Slack does not document that limit,
  but refuses such messages (msg_blocks_too_long, slackapi/bolt-js#2509 and #2867).

Teams (a Workflows "When a Teams webhook request is received" trigger):
  accepted              202, empty body (only when the body is a message with an Adaptive Card)
  ok                    200, empty body
  rate_limited          429 with a JSON error, Retry-After: `retry_after` (default 1)
  bad_request           400 {"error": {"code": "InvalidRequestContent", …}}
  server_error          500 {"error": {"code": "InternalServerError", …}}
  A body that is not a message with one Adaptive Card attachment (type, version, body) is
  answered 400 InvalidRequestContent; one over 28 KB 413 MessageTooLarge (Teams' limit).

Each request is appended to FILE as one JSON line before it is answered, in http_receiver.py's
format (request, connection, at, method, target, path, version, headers, body as base64,
status) plus `answer` (the body sent) and `problems` (what the check found wrong in the body).
"""

import argparse
import base64
import json
import signal
import ssl
import time
import urllib.parse

# The server and the connection handling are the webhook receiver's (same folder).
from http_receiver import CountingHandler, Receiver

SLACK = {
    "ok": (200, "ok"),
    "rate_limited": (429, "rate_limited"),
    "no_service": (404, "no_service"),
    "channel_not_found": (404, "channel_not_found"),
    "channel_is_archived": (410, "channel_is_archived"),
    "action_prohibited": (403, "action_prohibited"),
    "invalid_payload": (400, "invalid_payload"),
    "rollup_error": (500, "rollup_error"),
}

TEAMS = {
    "accepted": (202, ""),
    "ok": (200, ""),
    "rate_limited": (429, json.dumps({"error": {"code": "TooManyRequests", "message": "Rate limit is exceeded."}})),
    "bad_request": (400, json.dumps({"error": {"code": "InvalidRequestContent", "message": "The request is invalid."}})),
    "server_error": (500, json.dumps({"error": {"code": "InternalServerError", "message": "Internal error."}})),
}

TEAMS_LIMIT = 28 * 1024
SLACK_BLOCKS_TEXT_LIMIT = 12_000
SLACK_BLOCK_TYPES = {"header", "section", "context", "divider"}


def text_object(value, where, problems, types=("plain_text", "mrkdwn"), limit=3000):
    if not isinstance(value, dict) or value.get("type") not in types:
        problems.append(f"{where}: not a text object of type {types}: {value!r}")
        return
    text = value.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: text missing or empty")
    elif len(text.encode("utf-16-le")) // 2 > limit:
        problems.append(f"{where}: text longer than {limit}")
    allowed = {"type", "text"} | ({"emoji"} if value["type"] == "plain_text" else {"verbatim"})
    if set(value) - allowed:
        problems.append(f"{where}: unknown fields {sorted(set(value) - allowed)}")


def slack_problems(body: bytes):
    """(error answered, problems): Block Kit's rules for the block types statushook uses."""
    try:
        message = json.loads(body)
    except ValueError:
        return "invalid_payload", ["not JSON"]
    if not isinstance(message, dict):
        return "invalid_payload", ["not a JSON object"]
    problems = []
    blocks = message.get("blocks")
    if not isinstance(message.get("text"), str) or not message["text"]:
        if not blocks:
            return "no_text", ["no text"]
        problems.append("no top-level text (the notification's words)")
    if blocks is not None:
        if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
            problems.append("blocks: not a list of 1 to 50")
            blocks = []
        for i, block in enumerate(blocks):
            kind = block.get("type") if isinstance(block, dict) else None
            where = f"blocks[{i}] ({kind})"
            if kind not in SLACK_BLOCK_TYPES:
                problems.append(f"{where}: unknown block type")
            elif kind == "header":
                text_object(block.get("text"), where, problems, types=("plain_text",), limit=150)
            elif kind == "section":
                if "text" not in block and "fields" not in block:
                    problems.append(f"{where}: neither text nor fields")
                if "text" in block:
                    text_object(block["text"], where + ".text", problems)
                fields = block.get("fields", [])
                if not isinstance(fields, list) or len(fields) > 10:
                    problems.append(f"{where}: more than 10 fields")
                for j, field in enumerate(fields if isinstance(fields, list) else []):
                    text_object(field, f"{where}.fields[{j}]", problems, limit=2000)
            elif kind == "context":
                elements = block.get("elements")
                if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                    problems.append(f"{where}: elements not a list of 1 to 10")
                for j, element in enumerate(elements or []):
                    text_object(element, f"{where}.elements[{j}]", problems)
        total = sum(len(t.encode("utf-16-le")) // 2 for t in block_texts(blocks))
        if total > SLACK_BLOCKS_TEXT_LIMIT:
            problems.append(f"blocks' texts add up to {total} characters, over {SLACK_BLOCKS_TEXT_LIMIT}")
    return ("invalid_blocks" if problems else None), problems


def block_texts(value):
    """Every `text` string inside blocks."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            yield value["text"]
        for child in value.values():
            yield from block_texts(child)
    elif isinstance(value, list):
        for child in value:
            yield from block_texts(child)


def teams_problems(body: bytes):
    """(error answered, problems): a message with one Adaptive Card attachment."""
    if len(body) > TEAMS_LIMIT:
        return "too_large", [f"{len(body)} bytes, over {TEAMS_LIMIT}"]
    problems = []
    try:
        message = json.loads(body)
    except ValueError:
        return "bad_request", ["not JSON"]
    if not isinstance(message, dict) or message.get("type") != "message":
        return "bad_request", ["not a message"]
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return "bad_request", ["not one attachment"]
    attachment = attachments[0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append(f"contentType {attachment.get('contentType')!r}")
    card = attachment.get("content")
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        problems.append("content is not an AdaptiveCard")
        return "bad_request", problems
    if card.get("version") not in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5"):
        problems.append(f"version {card.get('version')!r}")
    if not isinstance(card.get("body"), list) or not card["body"]:
        problems.append("no body")
    for i, element in enumerate(card.get("body") or []):
        kind = element.get("type") if isinstance(element, dict) else None
        if kind == "TextBlock":
            if not isinstance(element.get("text"), str):
                problems.append(f"body[{i}]: TextBlock without text")
        elif kind == "RichTextBlock":
            runs = element.get("inlines")
            if not isinstance(runs, list) or not all(isinstance(r, dict) and r.get("type") == "TextRun"
                                                     and isinstance(r.get("text"), str) for r in runs):
                problems.append(f"body[{i}]: RichTextBlock inlines are not TextRuns")
        elif kind == "FactSet":
            facts = element.get("facts")
            if not isinstance(facts, list) or not all(isinstance(f.get("title"), str) and isinstance(f.get("value"), str)
                                                      for f in facts):
                problems.append(f"body[{i}]: FactSet facts are not title/value strings")
        else:
            problems.append(f"body[{i}]: element type {kind!r} not expected")
    return ("bad_request" if problems else None), problems


class Handler(CountingHandler):
    """POST only: anything else gets http.server's 501."""

    def do_POST(self):
        at = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        slack = url.path.startswith("/services/")
        table = SLACK if slack else TEAMS
        answers = [a for a in (query.get("answers") or ("ok" if slack else "accepted")).split(",") if a]
        with self.server.lock:
            self.server.requests += 1
            number = self.server.requests
            index = self.server.per_target.get(self.path, 0)
            self.server.per_target[self.path] = index + 1
        scripted = answers[min(index, len(answers) - 1)]
        error, problems = slack_problems(body) if slack else teams_problems(body)
        headers = []
        if slack:
            # Slack answers a bad body whatever was scripted; otherwise the script.
            status, text = (400, error) if error else SLACK[scripted]
            content_type = "text/html"
        else:
            if error == "too_large":
                status, text = 413, json.dumps({"error": {"code": "MessageTooLarge", "message": "Message too large."}})
            elif error:
                status, text = TEAMS["bad_request"]
            else:
                status, text = TEAMS[scripted]
            content_type = "application/json; charset=utf-8"
        if status == 429:
            headers.append(("Retry-After", query.get("retry_after", "1")))
        record = {
            "request": number, "connection": self.connection_number, "at": at, "method": "POST",
            "target": self.path, "path": url.path, "version": self.request_version,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": base64.b64encode(body).decode("ascii"), "status": status, "answer": text, "problems": problems,
        }
        with self.server.lock, open(self.server.record_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        payload = text.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def main():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--record", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()
    open(args.record, "a").close()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    server = Receiver(("127.0.0.1", args.port), args.record, context, handler=Handler)
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
