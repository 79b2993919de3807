"""Digests: a burst of transitions to an smtp sink goes out as a few emails that list them, not as
one email each (`sink.<name>.digest_after`), against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re

from harness import burst_callbacks, burst_reason, post_burst, report_figure, sink_states, wait_until
from test_sinks_smtp import smtp_sink

BURST = 5000


def test_a_burst_of_5000_transitions_makes_at_most_50_emails_that_list_every_one(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls")
    daemon = start_sinks(smtp_sink(server, digest_after="10", digest_interval="2s"))
    # Every tenth is a rejection, with a reason the digest must show in full.
    callbacks = burst_callbacks(BURST)
    posted_in = post_burst(daemon, callbacks)
    wait_until(lambda: sink_states(db, "mail") == {"delivered": BURST}, timeout=180,
               what=lambda: f"every delivery delivered (now {sink_states(db, 'mail')})")

    mails = server.messages()
    report_figure(f"DIGEST burst={BURST} posted_in={posted_in:.1f}s emails={len(mails)} (at most 50; digest_after=10, digest_interval=2s)")
    assert len(mails) <= 50, f"{len(mails)} emails for a burst of {BURST}"

    # Each email lists its transitions; together they list every one exactly once.
    told: list[str] = []
    digest_ids = set()
    for mail in mails:
        text = mail.body_text()
        subject = str(mail.message["Subject"])
        sids = re.findall(r"^  (?:\S+ \S+)  .*?(BU[0-9a-f]{32})", text, re.M) if subject.startswith("statushook: ") else []
        if subject.startswith("statushook: "):
            count = int(re.match(r"statushook: (\d+) TrustHub status change", subject).group(1))
            assert len(sids) == count, f"subject says {count}, table lists {len(sids)}:\n{text[:2000]}"
            digest_ids.add(str(mail.message["Message-ID"]))
        else:
            sids = re.findall(r"BU[0-9a-f]{32}", subject)
        told += sids
    assert len(told) == BURST and set(told) == {sid for sid, _ in callbacks}, \
        f"{len(told)} transitions told, {len(set(told))} distinct, of {BURST}"
    assert digest_ids, "no digest was sent"

    # Every delivery is recorded as delivered, a digest's with the digest it went out in.
    details = db.rows("""
        SELECT a.detail FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE d.sink = 'mail' AND a.outcome = 'delivered'""")
    assert len(details) == BURST
    in_digests = [re.match(r"in digest (<[^>]+>) of (\d+): ", r["detail"]) for r in details]
    named = {m.group(1) for m in in_digests if m}
    assert named == digest_ids, f"attempts name digests {sorted(named)[:5]}…, the server got {sorted(digest_ids)[:5]}…"

    # Every rejection's reason and error code are in the email that told it.
    texts = "\n".join(mail.body_text() for mail in mails)
    for sid, status in callbacks:
        if status == "twilio-rejected":
            assert burst_reason(sid) in texts, f"the reason of {sid} is in no email"
    assert "18601 (https://www.twilio.com/docs/errors/18601)" in texts
