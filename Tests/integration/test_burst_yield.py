"""Bursts: while callbacks arrive faster than `burst_rate` a second, delivery yields to ingest
(each sink takes one batch a second) and catches up once they slow down, against a real HTTP
receiver (Tests/support/http_receiver.py)."""

from __future__ import annotations

import time

from harness import burst_callbacks, post_burst, report_figure, sink_states, wait_until, webhook_sink

BURST = 1500
BATCH = 64  # Dispatcher.Settings.claimBatch: what a sink takes in its one batch a second


def test_delivery_yields_to_a_burst_and_catches_up_after(start_sinks, http_receiver, db):
    receiver = http_receiver()
    daemon = start_sinks({**webhook_sink("hook", receiver.url("/hook")), "burst_rate": "50"})
    callbacks = burst_callbacks(BURST)

    started = time.monotonic()
    posted_in = post_burst(daemon, callbacks)
    during = sink_states(db, "hook").get("delivered", 0)
    assert daemon.wait_for_log(lambda r: r.get("message") == "ingest burst: delivery yields to it"), daemon.stderr()[-3000:]

    wait_until(lambda: sink_states(db, "hook") == {"delivered": BURST}, timeout=60,
               what=lambda: f"every delivery delivered (now {sink_states(db, 'hook')})")
    caught_up_in = time.monotonic() - started - posted_in
    assert daemon.wait_for_log(lambda r: r.get("message") == "ingest burst over: delivery catches up"), daemon.stderr()[-3000:]
    report_figure(f"BURST posted={BURST} in {posted_in:.1f}s ({BURST / posted_in:.0f}/s, burst_rate=50): "
                  f"delivered during the burst {during}, the rest caught up in {caught_up_in:.1f}s")

    # A dispatcher that did not yield delivered all 1,500 by the burst's end (burst_rate = 0,
    # tried); this one takes a batch a second, after the few it took at full speed before the
    # writer had counted a tenth of a second of the burst (two batches in CI's busier runs).
    assert BURST / posted_in > 50, f"the burst ({BURST / posted_in:.0f}/s) was not above burst_rate"
    allowed = BATCH * (posted_in + 4)
    assert during <= allowed, f"{during} delivered during a {posted_in:.1f}s burst (one batch a second allows {allowed:.0f})"
    assert during < BURST / 2, f"{during} of {BURST} delivered during the burst"
    # Still, news trickled out during the burst when it lasted a second or more.
    if posted_in >= 2:
        assert during >= 1, "nothing at all was delivered during the burst"
    # Every webhook arrived once, each a distinct delivery.
    ids = [r.header("webhook-id") for r in receiver.requests() if r.target.startswith("/hook")]
    assert len(ids) == BURST and len(set(ids)) == BURST, (len(ids), len(set(ids)))
