"""Digests: a burst of transitions to an smtp sink goes out as a few emails that list them, not as
one email each (`sink.<name>.digest_after`), against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import http.client
import re
import time
from concurrent.futures import ThreadPoolExecutor

from harness import CALLBACK_PATH, TOKEN, form_body, new_sid, report_figure, sign, wait_until
from test_sinks_smtp import smtp_sink

BURST = 5000


def test_a_burst_of_5000_transitions_makes_at_most_50_emails_that_list_every_one(start_sinks, smtp_server, db):
    server = smtp_server(tls="starttls")
    daemon = start_sinks(smtp_sink(server, digest_after="10", digest_interval="2s"))
    # Every tenth is a rejection, with a reason the digest must show in full.
    callbacks = [(new_sid(), "twilio-rejected" if i % 10 == 0 else "twilio-approved") for i in range(BURST)]
    url = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}"

    def post(callback) -> int:
        sid, status = callback
        pairs = [("AccountSID", "AC" + "0" * 32), ("BundleSID", sid), ("Status", status)]
        if status == "twilio-rejected":
            pairs.append(("FailureReason", f"Business name mismatch for {sid} (18601)"))
        body = form_body(pairs)
        conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=15)
        try:
            conn.request("POST", CALLBACK_PATH, body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(TOKEN, url, pairs)})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, callbacks))
    posted_in = time.monotonic() - started
    assert set(answers) == {200}, f"answers other than 200: {sorted(set(answers))}"

    def settled():
        rows = db.rows("SELECT state, count(*) AS n FROM deliveries WHERE sink = 'mail' GROUP BY state")
        return {r["state"]: r["n"] for r in rows}
    wait_until(lambda: settled() == {"delivered": BURST}, timeout=180,
               what=lambda: f"every delivery delivered (now {settled()})")

    mails = server.messages()
    import os
    if os.environ.get("SHOW_DIGEST"):
        d = next(m for m in mails if str(m.message["Subject"]).startswith("statushook:"))
        print(d.header_block.decode()); print(d.body_text()[:1500]); print(d.body_text()[-1500:])
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
            assert f"Business name mismatch for {sid} (18601)" in texts, f"the reason of {sid} is in no email"
    assert "18601 (https://www.twilio.com/docs/errors/18601)" in texts
