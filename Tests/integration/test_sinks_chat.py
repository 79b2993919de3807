"""The slack and teams sinks against a local stand-in for each service (Tests/support/
chat_receiver.py): neither Slack nor Teams can run here, so the stand-in answers exactly as their
documentation says and checks each body as the service would. Each test says which service it
stands in for. What is checked: the bodies parse as the services expect, values from Twilio are
escaped, every documented answer is handled (delivered, retried after Retry-After, paused, dead),
and the webhook URL (a credential) never shows in a log line, the database's error texts,
`statushook deliveries`, `statushook sinks` or `check-config`."""

from __future__ import annotations

import json
import re
import secrets
import sys
import time

import pytest

from harness import (
    attempts_of, burst_callbacks, burst_reason, delivery_for, describe_outbox, insert_profile, new_sid, post_burst,
    read_json_lines, record_transition, report_figure, run_cli, sink_states, wait_for_delivery, wait_until,
)
from peers import SUPPORT, HTTPPeer, ReceivedRequest, _Peer

HOSTILE_NAME = "<!channel> *Acme* <https://evil.example|click> &amp; Zoë 日本 `x` [a](https://evil.example)"
HOSTILE_REASON = "Name mismatch <!here> <@U024BE7LH> & <https://evil.example|see> (18601)"


class ChatPeer(HTTPPeer):
    """chat_receiver.py in a subprocess: Slack under /services/, Teams under /workflows/."""

    name = "chat receiver"

    def __init__(self, outdir, *, cert=None, key=None):
        outdir.mkdir(parents=True, exist_ok=True)
        self.record_path = outdir / "requests.jsonl"
        self.tls = cert is not None
        argv = [sys.executable, "-u", str(SUPPORT / "chat_receiver.py"), "--record", str(self.record_path)]
        if cert is not None:
            argv += ["--cert", str(cert), "--key", str(key)]
        _Peer.__init__(self, argv, outdir / "receiver.log")

    def slack_url(self, answers: str = "ok", **query) -> str:
        """A Slack-shaped incoming-webhook URL whose last path segment is a fresh secret."""
        return self.url(f"/services/T0SH/B0SH/{secret_token()}", answers=answers, **query)

    def teams_url(self, answers: str = "accepted", **query) -> str:
        """A Workflows-shaped URL whose `sig` is a fresh secret."""
        return self.url("/workflows/0a1b/triggers/manual/paths/invoke", answers=answers,
                        sig=secret_token(), **query)

    def requests_to(self, url: str) -> list[ReceivedRequest]:
        """The requests to `url` (its path and query: Teams URLs share a path)."""
        return [r for r in self.requests() if r.target == target_of(url)]

    def records_of(self, url: str) -> list[dict]:
        """The raw records of the requests to `url`: with the stand-in's `answer` and `problems`."""
        lines = [json.loads(l) for l in self.record_path.read_text().splitlines() if l.endswith("}")]
        return [r for r in lines if r["target"] == target_of(url)]


def secret_token() -> str:
    return "SECRET" + secrets.token_hex(12)


def the_secret(url: str) -> str:
    return next(part for part in url.replace("?", "/").replace("&", "/").replace("=", "/").split("/")
                if part.startswith("SECRET"))


@pytest.fixture
def chat_receiver(tmp_path, test_ca, request):
    """chat_receiver(tls=False) -> ChatPeer; stopped after the test, its requests printed on failure."""
    peers: list[ChatPeer] = []

    def _start(tls: bool = False) -> ChatPeer:
        cert = key = None
        if tls:
            cert, key = test_ca.cert_and_key("server")
        peer = ChatPeer(tmp_path / f"chat-{len(peers)}", cert=cert, key=key)
        peers.append(peer)
        return peer

    yield _start
    failed = getattr(request.node, "rep_call", None)
    for i, peer in enumerate(peers):
        peer.stop()
        if failed is not None and failed.failed:
            print(f"---- chat receiver {i} ----")
            for line in peer.record_path.read_text().splitlines()[-20:]:
                r = json.loads(line)
                print(r["path"], r["status"], r["answer"], r["problems"])


def chat_sink(name: str, kind: str, url: str, **fields) -> dict:
    config = {f"sink.{name}.type": kind, f"sink.{name}.url": url, f"sink.{name}.timeout": "5s"}
    config.update({f"sink.{name}.{k}": v for k, v in fields.items()})
    return config


def target_of(url: str) -> str:
    """The request target a URL makes: its path and query."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def assert_secrets_nowhere(daemon, db, secrets_: list[str], tmp_path) -> None:
    """No secret in the daemon's output, the database's texts, or the CLI's listings."""
    texts = {"daemon output": daemon.stderr() + daemon.stdout()}
    texts["attempt details"] = "\n".join(str(r) for r in db.rows("SELECT detail FROM delivery_attempts"))
    texts["last errors"] = "\n".join(str(r) for r in db.rows("SELECT last_error FROM deliveries"))
    texts["sink state"] = "\n".join(str(r) for r in db.rows("SELECT * FROM sink_state"))
    texts["notices"] = "\n".join(str(r) for r in db.rows("SELECT reason FROM sink_notices"))
    for args in (["deliveries", "--limit", "500"], ["sinks"]):
        p = run_cli(args[0], "--config", str(daemon.config_path), *args[1:])
        assert p.returncode == 0, p.stderr
        texts[f"statushook {args[0]}"] = p.stdout + p.stderr
    p = run_cli("check-config", str(daemon.config_path))
    assert p.returncode == 0, p.stdout + p.stderr
    texts["check-config"] = p.stdout + p.stderr
    for secret in secrets_:
        for where, text in texts.items():
            assert secret not in text, f"the webhook URL's secret {secret} shows in the {where}"


def slack_texts(message: dict) -> list[str]:
    out = [message["text"]]

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                out.append(value["text"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)
    walk(message["blocks"])
    return out


def test_slack_message_reads_as_slack_expects_with_every_value_escaped(start_sinks, chat_receiver, db, tmp_path):
    """Stands in for Slack's incoming webhooks (which cannot run here): a rejection of a profile
    with a hostile name and reason, over https, answered 200 `ok` once the body passed the
    stand-in's Block Kit check."""
    receiver = chat_receiver(tls=True)
    url = receiver.slack_url()
    daemon = start_sinks(chat_sink("slack", "slack", url))
    sid, account = new_sid(), new_sid("AC")
    insert_profile(db, sid, "in-review", friendly_name=HOSTILE_NAME)
    tid = record_transition(daemon, sid, "twilio-rejected", AccountSid=account, FailureReason=HOSTILE_REASON)

    delivery = wait_for_delivery(db, delivery_for(db, tid, "slack")["id"])
    assert delivery["state"] == "delivered", describe_outbox(db)
    [attempt] = attempts_of(db, delivery["id"])
    assert (attempt["outcome"], attempt["detail"]) == ("delivered", "Slack answered HTTP 200: ok"), attempt
    [record] = receiver.records_of(url)
    assert record["problems"] == [] and record["status"] == 200, record
    [request] = receiver.requests_to(url)
    assert request.method == "POST" and (request.header("Content-Type") or "").startswith("application/json")
    message = request.json()
    assert set(message) == {"text", "blocks"}, message
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "section", "section", "context"]

    texts = slack_texts(message)
    for text in texts:
        # No mention, no forged link: every `<` left opens one of our links to Twilio's error pages.
        for piece in text.split("<")[1:]:
            assert piece.startswith("https://www.twilio.com/docs/errors/"), (piece, text)
    header = message["blocks"][0]["text"]
    assert header["type"] == "plain_text"
    assert header["text"] == ("🔴 Customer profile rejected: &lt;!channel&gt; *Acme* &lt;https://evil.example|click&gt; "
                              "&amp;amp; Zoë 日本 `x` [a](https://evil.example)")
    assert any(t == "Failure reason: Name mismatch &lt;!here&gt; &lt;@U024BE7LH&gt; &amp; "
               "&lt;https://evil.example|see&gt; (18601)" for t in texts), texts
    assert "*Error code:* <https://www.twilio.com/docs/errors/18601|18601>" in texts, texts
    assert f"*SID*\n`{sid}`" in texts and f"*Account*\n`{account}`" in texts, texts
    assert "*Status*\nin-review → twilio-rejected" in texts, texts
    assert message["text"].startswith("Customer profile rejected: &lt;!channel&gt;"), message["text"]
    assert_secrets_nowhere(daemon, db, [the_secret(url)], tmp_path)


def test_slack_documented_answers_retry_or_end_the_delivery(start_sinks, chat_receiver, db, tmp_path):
    """Stands in for Slack's incoming webhooks (which cannot run here): 429 rate_limited with
    Retry-After waits that long, then succeeds; 500 rollup_error is retried; 400 invalid_payload
    is permanent (dead, no retry)."""
    receiver = chat_receiver()
    urls = {"limited": receiver.slack_url("rate_limited,ok", retry_after="3"),
            "broken": receiver.slack_url("rollup_error,ok"),
            "refused": receiver.slack_url("invalid_payload")}
    config = {}
    for name, url in urls.items():
        config.update(chat_sink(name, "slack", url))
    daemon = start_sinks(config)  # retries every 1 s unless told otherwise
    tid = record_transition(daemon, new_sid(), "draft")

    want = {"limited": ("delivered", ["transient", "delivered"]), "broken": ("delivered", ["transient", "delivered"]),
            "refused": ("dead", ["permanent"])}
    for name, (state, outcomes) in want.items():
        delivery = wait_for_delivery(db, delivery_for(db, tid, name)["id"], timeout=20)
        attempts = attempts_of(db, delivery["id"])
        assert delivery["state"] == state and [a["outcome"] for a in attempts] == outcomes, f"{name}:\n{describe_outbox(db)}"
    first, second = receiver.requests_to(urls["limited"])
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 2.9, f"Retry-After: 3, retried after {second.at - first.at:.2f}s"
    assert "429: rate_limited" in attempts_of(db, delivery_for(db, tid, "limited")["id"])[0]["detail"]
    assert "500: rollup_error" in attempts_of(db, delivery_for(db, tid, "broken")["id"])[0]["detail"]
    refused = delivery_for(db, tid, "refused")
    assert refused["last_error"] == "Slack answered HTTP 400: invalid_payload", refused
    assert len(receiver.requests_to(urls["refused"])) == 1
    assert_secrets_nowhere(daemon, db, [the_secret(u) for u in urls.values()], tmp_path)


def test_a_rate_limit_holds_back_every_worker_of_the_sink(start_sinks, chat_receiver, db):
    """Stands in for Slack's incoming webhooks (which cannot run here): a burst meets one 429
    rate_limited with Retry-After: 2; the sink's workers wait it out together instead of each
    spending attempts on the same refusal, and every message is delivered (one by one: digests
    off)."""
    receiver = chat_receiver()
    url = receiver.slack_url("rate_limited,ok", retry_after="2")
    daemon = start_sinks(chat_sink("slack", "slack", url, digest_after="0"))
    tids = [record_transition(daemon, new_sid(), "draft") for _ in range(12)]
    for tid in tids:
        delivery = wait_for_delivery(db, delivery_for(db, tid, "slack")["id"], timeout=20)
        assert delivery["state"] == "delivered", describe_outbox(db)
    requests = receiver.requests_to(url)
    [limited] = [r for r in requests if r.status == 429]
    # Posts already on their way when the 429 came back (one per other worker at most) may land
    # just after it; every later one waits until Retry-After has passed.
    early = [r for r in requests if limited.at < r.at < limited.at + 1.9]
    assert len(early) <= 2, [round(r.at - limited.at, 2) for r in requests]
    assert len(requests) == 13, len(requests)
    outcomes = [a["outcome"] for tid in tids for a in attempts_of(db, delivery_for(db, tid, "slack")["id"])]
    assert sorted(outcomes) == ["delivered"] * 12 + ["transient"], outcomes


def test_slack_webhook_gone_pauses_the_sink_and_the_other_sinks_are_told(start_sinks, chat_receiver, db, tmp_path):
    """Stands in for Slack's incoming webhooks (which cannot run here): 404 no_service, 404
    channel_not_found and 410 channel_is_archived pause the sink at once; the operator is told
    through the other sinks (a log and a Slack channel that works), and later transitions wait
    until the sink is resumed; the delivery that met the error is sent again by replay."""
    receiver = chat_receiver()
    urls = {"removed": receiver.slack_url("no_service,ok"), "nochannel": receiver.slack_url("channel_not_found"),
            "archived": receiver.slack_url("channel_is_archived"), "ops": receiver.slack_url("ok")}
    audit = tmp_path / "audit.jsonl"
    config = {"sink.audit.type": "log", "sink.audit.path": str(audit)}
    for name, url in urls.items():
        config.update(chat_sink(name, "slack", url, **({} if name == "ops" else {"statuses": "draft, in-review"})))
    daemon = start_sinks(config)
    sid = new_sid()
    first = record_transition(daemon, sid, "draft")

    reasons = {"removed": "404: no_service", "nochannel": "404: channel_not_found", "archived": "410: channel_is_archived"}
    for name, reason in reasons.items():
        gone = wait_for_delivery(db, delivery_for(db, first, name)["id"])
        assert [a["outcome"] for a in attempts_of(db, gone["id"])] == ["gone"], describe_outbox(db)
        state = wait_until(lambda: db.rows("SELECT * FROM sink_state WHERE sink = %s AND paused", name), 10,
                           lambda: describe_outbox(db))[0]
        assert reason in state["paused_reason"], state

    # Each pause is told to the log and to the Slack channel that works, rendered and escaped.
    notices = wait_until(lambda: (n := [l for l in read_json_lines(audit) if l.get("type") == "statushook.sink_paused"])
                         and len(n) == 3 and n, 10, lambda: audit.read_text() if audit.exists() else "no audit log")
    assert sorted(n["sink"] for n in notices) == sorted(reasons)

    def told():
        return [r.json()["text"] for r in receiver.requests_to(urls["ops"])
                if r.json()["text"].startswith("statushook: a sink was paused")]
    wait_until(lambda: len(told()) == 3, 10, lambda: describe_outbox(db))
    assert sorted(told()) == sorted(f"statushook: a sink was paused: {n}" for n in reasons)
    assert all(r["problems"] == [] and r["status"] == 200 for r in receiver.records_of(urls["ops"]))

    # Paused: the next transition waits in the outbox, and nothing more is sent to those webhooks.
    sent = {name: len(receiver.requests_to(urls[name])) for name in reasons}
    second = record_transition(daemon, sid, "in-review")
    wait_for_delivery(db, delivery_for(db, second, "ops")["id"])
    time.sleep(1.5)
    for name in reasons:
        assert len(receiver.requests_to(urls[name])) == sent[name], name
        assert delivery_for(db, second, name)["state"] == "pending", describe_outbox(db)
    p = run_cli("sinks", "--config", str(daemon.config_path))
    assert p.returncode == 0, p.stderr
    rows = {line.split()[0]: line for line in p.stdout.splitlines()[1:] if line.strip()}
    for name in reasons:
        assert "slack" in rows[name] and "paused" in rows[name], p.stdout
    assert "active" in rows["ops"] and "slack" in rows["ops"], p.stdout

    # The webhook works again: resumed, the waiting deliveries go; replayed, so does the dead one.
    for args in (["sinks", "--resume", "removed"], ["replay", "--sink", "removed"]):
        p = run_cli(args[0], "--config", str(daemon.config_path), *args[1:])
        assert p.returncode == 0, p.stdout + p.stderr
    for tid, outcomes in ((first, ["gone", "delivered"]), (second, ["delivered"])):
        delivery = wait_for_delivery(db, delivery_for(db, tid, "removed")["id"], states=("delivered",))
        assert [a["outcome"] for a in attempts_of(db, delivery["id"])] == outcomes, describe_outbox(db)
    assert_secrets_nowhere(daemon, db, [the_secret(u) for u in urls.values()], tmp_path)


def teams_card(request: ReceivedRequest) -> dict:
    message = request.json()
    assert message["type"] == "message", message
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4") and card["body"], card
    return card


def test_teams_card_and_documented_answers(start_sinks, chat_receiver, db, tmp_path):
    """Stands in for a Microsoft Teams Workflows webhook (which cannot run here): 202 Accepted
    and 200 deliver; 429 with Retry-After waits, then succeeds; 500 is retried; 400 is permanent.
    The card carries hostile values as literal TextRuns, and a huge reason still fits 28 KB."""
    receiver = chat_receiver()
    urls = {"card": receiver.teams_url("accepted"), "plain": receiver.teams_url("ok"),
            "limited": receiver.teams_url("rate_limited,accepted", retry_after="2"),
            "broken": receiver.teams_url("server_error,accepted"), "refused": receiver.teams_url("bad_request")}
    config = {}
    for name, url in urls.items():
        config.update(chat_sink(name, "teams", url))
    daemon = start_sinks(config)
    sid = new_sid()
    insert_profile(db, sid, "in-review", friendly_name=HOSTILE_NAME)
    huge = "Raison « refusée » <!here> " + "é<&" * 4_000 + " (18601)"
    tid = record_transition(daemon, sid, "twilio-rejected", FailureReason=huge)

    want = {"card": ("delivered", ["delivered"]), "plain": ("delivered", ["delivered"]),
            "limited": ("delivered", ["transient", "delivered"]), "broken": ("delivered", ["transient", "delivered"]),
            "refused": ("dead", ["permanent"])}
    for name, (state, outcomes) in want.items():
        delivery = wait_for_delivery(db, delivery_for(db, tid, name)["id"], timeout=20)
        attempts = attempts_of(db, delivery["id"])
        assert delivery["state"] == state and [a["outcome"] for a in attempts] == outcomes, f"{name}:\n{describe_outbox(db)}"
    assert attempts_of(db, delivery_for(db, tid, "card")["id"])[0]["detail"] == "Teams answered HTTP 202"
    first, second = receiver.requests_to(urls["limited"])[:2]
    assert second.at - first.at >= 1.9, f"Retry-After: 2, retried after {second.at - first.at:.2f}s"
    assert "InvalidRequestContent" in delivery_for(db, tid, "refused")["last_error"]

    for name, url in urls.items():
        assert all(r["problems"] == [] for r in receiver.records_of(url)), (name, receiver.records_of(url))
    [request] = receiver.requests_to(urls["card"])
    assert len(request.body) <= 28 * 1024, len(request.body)
    card = teams_card(request)
    runs = [run["text"] for e in card["body"] if e["type"] == "RichTextBlock" for run in e["inlines"]]
    assert runs[0] == HOSTILE_NAME, runs
    assert runs[1].startswith("Raison « refusée » <!here> é<&é<&") and runs[1].endswith("…"), runs[1][:80]
    markdown = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    markdown += [f["value"] for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]]
    assert "**Error code:** [18601](https://www.twilio.com/docs/errors/18601)" in markdown, markdown
    assert not any("evil.example" in t or "<!" in t for t in markdown), markdown
    assert "Customer profile rejected" in markdown and sid in markdown, markdown
    assert_secrets_nowhere(daemon, db, [the_secret(u) for u in urls.values()], tmp_path)


def test_check_config_validates_chat_sinks_without_showing_the_url(tmp_path):
    """check-config: a missing url names the sink's line; an http URL to another host is refused
    (the URL is the credential) without quoting it; url_file reads it from a file."""
    base = "database_url = postgres://localhost/x\nauth_token = t\n"
    bad = tmp_path / "bad.conf"
    leaked = "http://hooks.example.com/services/T0/B0/SECRETLEAK"
    bad.write_text(base + "sink.a.type = slack\n\nsink.b.type = teams\nsink.b.url = " + leaked + "\n")
    p = run_cli("check-config", str(bad))
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert "bad.conf:3: missing required key 'sink.a.url' for a slack sink" in out, out
    assert "bad.conf:6: bad value for 'sink.b.url': expected an https:// URL" in out, out
    assert "SECRETLEAK" not in out, out

    secret_file = tmp_path / "slack_url"
    secret_file.write_text("https://hooks.slack.com/services/T0/B0/SECRETFILE\n")
    good = tmp_path / "good.conf"
    good.write_text(base + f"sink.a.type = slack\nsink.a.url_file = {secret_file}\n"
                    "sink.b.type = teams\nsink.b.url = http://127.0.0.1:9/workflows/x?sig=SECRETSIG\n")
    p = run_cli("check-config", str(good))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SECRETFILE" not in p.stdout + p.stderr and "SECRETSIG" not in p.stdout + p.stderr


# ---- Digests (sink.<name>.digest_after) -------------------------------------------------------

DIGEST_HEADLINE = re.compile(r"^(?:🔴 |✅ )?(\d+) status changes?: ")
SID = re.compile(r"BU[0-9a-f]{32}")


def digest_attempts(db, sink: str) -> dict[str, str]:
    """Each delivered attempt's detail, by the SID of its transition."""
    rows = db.rows("""
        SELECT t.sid, a.detail FROM delivery_attempts a
          JOIN deliveries d ON d.id = a.delivery_id JOIN transitions t ON t.id = d.transition_id
         WHERE d.sink = %s AND a.outcome = 'delivered'""", sink)
    return {r["sid"]: r["detail"] for r in rows}


def test_a_burst_to_a_slack_sink_makes_few_messages_that_list_every_transition(start_sinks, chat_receiver, db, tmp_path):
    """Stands in for Slack's incoming webhooks (which cannot run here; the stand-in also refuses
    blocks whose texts add up to more than 12,000 characters, as Slack does). 500 signed callbacks
    in five waves of 100, each posted while the digest of the wave before holds the sink back
    (digest_interval = 2s): a few messages one by one before the first digest (digest_after = 10),
    then digests of at most 50 (what one Slack message lists in full): at least 10, and at most
    two a wave plus one left over from each wave, so at most 10 + 15 = 25 messages. Every
    transition can be found in one; a digest too big for its message is the Teams test's below."""
    receiver = chat_receiver()
    url = receiver.slack_url()
    daemon = start_sinks(chat_sink("slack", "slack", url, digest_after="10", digest_interval="2s"))
    callbacks: list[tuple[str, str]] = []
    for _ in range(5):
        wave = burst_callbacks(100)
        callbacks += wave
        post_burst(daemon, wave)
        wait_until(lambda: sink_states(db, "slack") == {"delivered": len(callbacks)}, timeout=60,
                   what=lambda: f"every delivery delivered (now {sink_states(db, 'slack')})")

    records = receiver.records_of(url)
    assert all(r["problems"] == [] and r["status"] == 200 for r in records), [r["problems"] for r in records][:3]
    messages = [r.json() for r in receiver.requests_to(url)]
    digests = [m for m in messages if DIGEST_HEADLINE.match(m["blocks"][0]["text"]["text"])]
    report_figure(f"CHAT DIGEST slack burst=500 (5 waves) messages={len(messages)} digests={len(digests)} "
                  f"(at most 25; digest_after=10, digest_interval=2s)")
    assert len(messages) <= 25, f"{len(messages)} Slack messages for a burst of 500"
    assert len(digests) >= 10, f"{len(digests)} digests"

    # Each digest lists as many transitions as its header counts, oldest first, and names itself
    # as its deliveries' attempts do; a single message names its one SID in its header.
    told: list[str] = []
    named = {}
    for message in messages:
        header = message["blocks"][0]["text"]["text"]
        texts = slack_texts(message)
        if not (m := DIGEST_HEADLINE.match(header)):
            told += SID.findall(header)
            continue
        lines = "\n".join(b["text"]["text"] for b in message["blocks"][1:] if b["type"] == "section")
        sids = [SID.search(line).group(0) for line in lines.splitlines() if line.startswith(("🔴 ", "✅ ", "• "))]
        assert len(sids) == int(m.group(1)), f"the header counts {m.group(1)}, the sections list {len(sids)}"
        assert "… and" not in lines and message["text"].endswith(lines), message["text"][-300:]
        context = message["blocks"][-1]["elements"][0]["text"]
        digest = re.search(r"digest (#\d+-\d+)", context).group(1)
        named.update({sid: (digest, len(sids)) for sid in sids})
        for piece in texts:
            assert "<" not in piece and ">" not in piece, piece
        told += sids
    assert sorted(told) == sorted(sid for sid, _ in callbacks), f"{len(told)} told, {len(set(told))} distinct, of 500"

    # Every delivery is recorded delivered; a digest's with the digest that told it.
    details = digest_attempts(db, "slack")
    assert len(details) == 500
    for sid, (digest, size) in named.items():
        assert details[sid] == f"in digest {digest} of {size}: Slack answered HTTP 200: ok", (sid, details[sid])
    # Every rejection's reason is in the message that told it.
    everything = "\n".join(t for m in messages for t in slack_texts(m))
    for sid, status in callbacks:
        if status == "twilio-rejected":
            assert burst_reason(sid) in everything, f"the reason of {sid} is in no message"
    assert_secrets_nowhere(daemon, db, [the_secret(url)], tmp_path)


def long_reason(sid: str) -> str:
    """A rejection's reason of about 900 characters, shown in full (a digest shows up to 1,000)."""
    return (burst_reason(sid) + ". " + "The registration document does not show the business name. " * 15)[:900]


def test_a_teams_digest_too_big_for_one_card_lists_rejections_first_and_counts_the_rest(start_sinks, chat_receiver, db):
    """Stands in for a Microsoft Teams Workflows webhook (which cannot run here; the stand-in
    refuses bodies over 28 KB, as Teams does). 600 callbacks at once, every fifth a rejection
    with a reason of about 900 characters, make digests (100 transitions each, at most) larger
    than one card holds: each card stays under 28 KB, lists every rejection with its reason and
    the oldest of the rest, and its note counts what it leaves out; each of those is still
    recorded delivered in that digest and listed by `statushook deliveries`."""
    receiver = chat_receiver()
    url = receiver.teams_url()
    daemon = start_sinks(chat_sink("teams", "teams", url, digest_after="10", digest_interval="2s"))
    callbacks = [(new_sid(), "twilio-rejected" if i % 5 == 0 else "twilio-approved") for i in range(600)]
    post_burst(daemon, callbacks, reason=long_reason)
    wait_until(lambda: sink_states(db, "teams") == {"delivered": 600}, timeout=60,
               what=lambda: f"every delivery delivered (now {sink_states(db, 'teams')})")

    records = receiver.records_of(url)
    assert all(r["problems"] == [] and r["status"] == 202 for r in records), [r["problems"] for r in records][:3]
    requests = receiver.requests_to(url)
    assert all(len(r.body) <= 28 * 1024 for r in requests)
    details = digest_attempts(db, "teams")
    listed: set[str] = set()
    left_out = 0
    notes = 0
    for request in requests:
        body = teams_card(request)["body"]
        headline = body[0]["text"]
        runs = [run["text"] for e in body if e["type"] == "RichTextBlock" for run in e["inlines"]]
        if not (m := DIGEST_HEADLINE.match(headline)):
            listed.update(SID.findall(" ".join(runs)))
            continue
        size = int(m.group(1))
        sids = [SID.search(r).group(0) for r in runs if r.startswith(("🔴 ", "✅ ", "• "))]
        digest = re.search(r"digest (#\d+-\d+)", runs[-1]).group(1)
        note = next((r for r in runs if r.startswith("… and ")), None)
        more = int(re.match(r"… and (\d+) more in this digest", note).group(1)) if note else 0
        assert len(sids) + more == size, (size, len(sids), note)
        if note:
            notes += 1
            assert f"recorded as delivered in digest {digest}: see statushook deliveries --sink teams" in note, note
        for sid in sids:
            assert details[sid] == f"in digest {digest} of {size}: Teams answered HTTP 202", details[sid]
        left_out += more
        listed.update(sids)
    report_figure(f"CHAT DIGEST teams burst=600 posts={len(requests)} cards too big to list all={notes} "
                  f"left out of a card={left_out} (every rejection listed)")
    assert notes >= 1, "no digest was too big for one card"

    # Every rejection is listed with its reason; what is left out is all approvals, each one
    # recorded in a digest and listed by `statushook deliveries`.
    everything = "\n".join(run["text"] for r in requests for e in teams_card(r)["body"] if e["type"] == "RichTextBlock"
                           for run in e["inlines"])
    for sid, status in callbacks:
        if status == "twilio-rejected":
            assert sid in listed and long_reason(sid) in everything, sid
    missing = {sid for sid, _ in callbacks} - listed
    assert len(missing) == left_out, (len(missing), left_out)
    assert all(details[sid].startswith("in digest #") for sid in missing)
    p = run_cli("deliveries", "--config", str(daemon.config_path), "--sink", "teams", "--limit", "1000")
    assert p.returncode == 0, p.stderr
    shown = {m.group(0) for m in SID.finditer(p.stdout)}
    assert missing <= shown, f"{len(missing - shown)} left-out transitions not in statushook deliveries"
