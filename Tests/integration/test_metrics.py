"""GET /metrics (docs/contract.md §3): Prometheus text, read with the Prometheus project's own
parser; its counters move with the traffic the test sends, and its outbox gauges with the
database."""

from __future__ import annotations

import secrets

from prometheus_client.parser import text_string_to_metric_families

from harness import (
    assert_recorded, assert_twilio_error, callback_params, new_sid, record_transition,
    wait_for_delivery_states, wait_until,
)


class Scrape:
    """One /metrics page, parsed: families by name, and sample values by (name, labels)."""

    def __init__(self, daemon):
        r = daemon.get("/metrics")
        assert r.status == 200, r
        content_type = r.header("Content-Type") or ""
        assert content_type.startswith("text/plain") and "version=0.0.4" in content_type, content_type
        self.text = r.text
        self.families = {f.name: f for f in text_string_to_metric_families(self.text)}
        self.samples = {}
        for family in self.families.values():
            for s in family.samples:
                self.samples[(s.name, frozenset(s.labels.items()))] = s.value

    def value(self, name: str, default=None, **labels) -> float | None:
        return self.samples.get((name, frozenset(labels.items())), default)

    def callbacks(self, result: str) -> float:
        return self.value("statushook_callbacks_total", 0.0, result=result)

    def latency_count(self) -> float:
        return self.value("statushook_ingest_latency_seconds_count", 0.0)


def test_metrics_parse_and_callback_counters_move_with_the_traffic(daemon, db):
    before = Scrape(daemon)
    # The parser names a counter's family without `_total`; HELP and TYPE are there for each.
    types = {name: f.type for name, f in before.families.items()}
    assert types["statushook_callbacks"] == "counter", types
    assert types["statushook_ingest_latency_seconds"] == "histogram", types
    assert types["statushook_deliveries"] == "counter", types
    for gauge in ("statushook_outbox_depth", "statushook_outbox_oldest_age_seconds", "statushook_sink_paused",
                  "statushook_database_up"):
        assert types[gauge] == "gauge", types
    assert all(f.documentation for f in before.families.values()), before.text
    assert before.value("statushook_database_up") == 1
    assert before.callbacks("recorded") == 0 and before.latency_count() == 0

    sid = new_sid()
    token = {"I-Twilio-Idempotency-Token": secrets.token_hex(12)}
    assert_recorded(daemon.post_form(callback_params(sid, "draft"), headers=token), sid, "draft")
    assert_recorded(daemon.post_form(callback_params(sid, "draft"), headers=token), sid, "draft", "duplicate")
    assert_recorded(daemon.post_form(callback_params(sid, "draft")), sid, "draft", "unchanged")
    record_transition(daemon, sid, "pending-review")
    assert_twilio_error(daemon.post_form(callback_params(sid, "in-review"), signature="bm90IGEgc2lnbmF0dXJl"), 403)
    assert_twilio_error(daemon.post_form([("CustomerProfileSid", sid)]), 400)
    assert_twilio_error(daemon.post_form(callback_params(sid, "in-review"), content_type="text/plain"), 415)

    after = Scrape(daemon)
    moved = {result: after.callbacks(result) - before.callbacks(result)
             for result in ("recorded", "duplicate", "unchanged", "rejected_403", "rejected_400", "rejected_415",
                            "unavailable")}
    assert moved == {"recorded": 2, "duplicate": 1, "unchanged": 1, "rejected_403": 1, "rejected_400": 1,
                     "rejected_415": 1, "unavailable": 0}, moved

    # Every callback whose body was read has a latency (the 415 was refused on its head).
    count = after.latency_count()
    assert count == 6, after.text
    buckets = [(float(s.labels["le"]), s.value) for s in after.families["statushook_ingest_latency_seconds"].samples
               if s.name.endswith("_bucket")]
    bounds = [b for b, _ in buckets]
    assert bounds == sorted(bounds) and bounds[-1] == float("inf"), buckets
    counts = [c for _, c in buckets]
    assert counts == sorted(counts), f"buckets are not cumulative: {buckets}"
    assert counts[-1] == count
    assert 0 < after.value("statushook_ingest_latency_seconds_sum") < 6 * 2.5


def test_delivery_counters_and_outbox_gauges(daemon, db):
    # `decisions` is paused: its deliveries wait; `everything` delivers.
    db.rows("INSERT INTO sink_state (sink, paused, paused_at, paused_reason) "
            "VALUES ('decisions', true, now(), 'paused by the test') RETURNING sink")
    sid = new_sid()
    record_transition(daemon, sid, "in-review")
    record_transition(daemon, sid, "twilio-approved")
    wait_for_delivery_states(db, {"delivered": 2, "pending": 1})

    scrape = wait_until(lambda: (s := Scrape(daemon)).value(
        "statushook_deliveries_total", 0, sink="everything", outcome="delivered") == 2 and s, 5,
        "two delivered attempts to `everything` in /metrics")
    assert scrape.value("statushook_deliveries_total", sink="decisions", outcome="delivered") is None
    assert scrape.value("statushook_outbox_depth", sink="decisions") == 1
    assert scrape.value("statushook_outbox_depth", sink="everything") == 0
    age = scrape.value("statushook_outbox_oldest_age_seconds", sink="decisions")
    assert 0 < age < 60, age
    assert scrape.value("statushook_outbox_oldest_age_seconds", sink="everything") == 0
    assert scrape.value("statushook_sink_paused", sink="decisions") == 1
    assert scrape.value("statushook_sink_paused", sink="everything") == 0

    # A backlog of a sink no longer configured still shows; paused is only for configured sinks.
    db.rows("INSERT INTO deliveries (transition_id, sink) SELECT min(id), 'retired \"old\"' FROM transitions RETURNING id")
    scrape = Scrape(daemon)
    assert scrape.value("statushook_outbox_depth", sink='retired "old"') == 1, scrape.text
    assert scrape.value("statushook_sink_paused", sink='retired "old"') is None


def test_metrics_answer_without_the_database(own_cluster, start):
    daemon = start(database_url=own_cluster.conninfo)
    record_transition(daemon, new_sid(), "draft")
    assert Scrape(daemon).value("statushook_database_up") == 1

    own_cluster.stop()
    down = Scrape(daemon)
    assert down.value("statushook_database_up") == 0, down.text
    assert down.callbacks("recorded") == 1
    assert "statushook_outbox_depth" not in down.families
    assert "statushook_sink_paused" not in down.families

    own_cluster.start()
    up = wait_until(lambda: (s := Scrape(daemon)).value("statushook_database_up") == 1 and s, 10,
                    "/metrics to see the database again")
    assert up.value("statushook_sink_paused", sink="everything") == 0
