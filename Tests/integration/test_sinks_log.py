"""The log sink (docs/contract.md §2): one JSON line per transition, to a file or standard
output; the file reopened after SIGHUP so that logrotate can move it away."""

from __future__ import annotations

import json
import time

from harness import (
    assert_event_matches, new_sid, read_json_lines, record_transition, wait_for_delivery_states,
    wait_until,
)


def transitions_by_event_id(db) -> dict[str, dict]:
    return {f"TR{t['id']}": t for t in db.rows("SELECT * FROM transitions ORDER BY id")}


def test_log_sink_writes_one_json_line_per_transition(start_sinks, db, tmp_path):
    everything, decisions = tmp_path / "everything.jsonl", tmp_path / "decisions.jsonl"
    daemon = start_sinks({
        "sink.everything.type": "log",
        "sink.everything.path": str(everything),
        "sink.decisions.type": "log",
        "sink.decisions.statuses": "twilio-approved, twilio-rejected",
        "sink.decisions.path": str(decisions),
    })
    a, b, account = new_sid(), new_sid(), new_sid("AC")
    for status in ("draft", "pending-review", "in-review"):
        record_transition(daemon, a, status, AccountSid=account)
    rejected = record_transition(daemon, a, "twilio-rejected", AccountSid=account,
                                 FailureReason="Business name mismatch (18601) — “Ünïcode” kept")
    record_transition(daemon, b, "draft")
    approved = record_transition(daemon, b, "twilio-approved")  # unexpected: draft → approved

    # 6 transitions to `everything`, 2 decisions.
    wait_for_delivery_states(db, {"delivered": 8})
    transitions = transitions_by_event_id(db)

    lines = read_json_lines(everything)
    assert len(lines) == 6, f"{len(lines)} lines for 6 transitions:\n{everything.read_text()}"
    assert sorted(l["id"] for l in lines) == sorted(transitions), lines
    for line in lines:
        assert_event_matches(line, transitions[line["id"]])
    by_id = {l["id"]: l for l in lines}
    assert by_id[f"TR{rejected}"]["failure_reason"] == "Business name mismatch (18601) — “Ünïcode” kept"
    assert by_id[f"TR{approved}"]["unexpected"] is True
    assert by_id[f"TR{approved}"]["account_sid"] is None

    # Each line is one JSON object, raw UTF-8 or \u escapes, never split over lines.
    raw = everything.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 6, raw

    picked = read_json_lines(decisions)
    assert sorted(l["id"] for l in picked) == sorted([f"TR{rejected}", f"TR{approved}"]), picked
    for line in picked:
        assert_event_matches(line, transitions[line["id"]])

    # Nothing more comes later: exactly one line per transition.
    time.sleep(0.5)
    assert len(read_json_lines(everything)) == 6 and len(read_json_lines(decisions)) == 2


def test_log_sink_reopens_its_file_after_sighup(start_sinks, db, tmp_path):
    path = tmp_path / "transitions.log"
    rotated = tmp_path / "transitions.log.1"
    daemon = start_sinks({"sink.audit.type": "log", "sink.audit.path": str(path)})
    sid = new_sid()
    before = [record_transition(daemon, sid, s) for s in ("draft", "pending-review", "in-review")]
    wait_for_delivery_states(db, {"delivered": 3})
    assert sorted(l["id"] for l in read_json_lines(path)) == sorted(f"TR{t}" for t in before)

    # logrotate: move the file away, then SIGHUP.
    path.rename(rotated)
    daemon.sighup()
    reloaded = daemon.wait_for_log(lambda r: "reload" in str(r.get("message", "")).lower(), timeout=5)
    assert daemon.is_running(), daemon.stderr()
    if reloaded is None:
        time.sleep(1)  # no log line to wait for: give the signal time to land

    after = [record_transition(daemon, sid, s) for s in ("twilio-approved", "draft")]
    wait_for_delivery_states(db, {"delivered": 5})
    wait_until(path.exists, 5, f"{path} to be created again after SIGHUP")
    assert sorted(l["id"] for l in read_json_lines(path)) == sorted(f"TR{t}" for t in after), (
        f"the new file has {path.read_text()!r}")
    # The moved file kept its lines and got no new ones.
    assert sorted(l["id"] for l in read_json_lines(rotated)) == sorted(f"TR{t}" for t in before), (
        f"the rotated file has {rotated.read_text()!r}")


def test_log_sink_to_standard_output(start_sinks, db):
    daemon = start_sinks({"sink.console.type": "log", "sink.console.path": "-"})
    sid = new_sid()
    ids = [record_transition(daemon, sid, s) for s in ("draft", "pending-review")]
    wait_for_delivery_states(db, {"delivered": 2})

    def events():
        out = []
        for line in list(daemon.stdout_lines):
            if line.startswith("{"):
                obj = json.loads(line)
                if obj.get("type") == "customer_profile.status_changed":
                    out.append(obj)
        return out

    wait_until(lambda: len(events()) >= 2, 5, lambda: f"2 event lines on stdout:\n{daemon.stdout()}")
    transitions = transitions_by_event_id(db)
    assert sorted(e["id"] for e in events()) == sorted(f"TR{i}" for i in ids)
    for event in events():
        assert_event_matches(event, transitions[event["id"]])
    # The daemon's own logs stay on stderr.
    assert not any('"level"' in l or '"severity"' in l for l in daemon.stdout_lines), daemon.stdout()
