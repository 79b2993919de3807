"""Ingest writers (`ingest_writers`, docs/configuration.md): a callback goes to the writer of its
SID, each writer records on a database connection of its own, so one SID's callbacks keep their
order while the writers record side by side."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from harness import assert_recorded, new_sid

MASK = (1 << 64) - 1


def lane(sid: str, count: int) -> int:
    """IngestLanes.lane(of:among:), computed apart: FNV-1a 64 of the SID's bytes, then
    MurmurHash3's fmix64."""
    h = 0xCBF29CE484222325
    for byte in sid.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    return h % count


def sid_in_lane(want: int, count: int = 2) -> str:
    while True:
        sid = new_sid()
        if lane(sid, count) == want:
            return sid


def profile(sid: str, status: str) -> list[tuple[str, str]]:
    return [("CustomerProfileSid", sid), ("Status", status)]


@pytest.mark.parametrize("writers", [1, 2])
def test_a_sid_held_up_in_one_writer_does_not_hold_up_the_other(start, db, writers):
    """The profile row of SID `held` is locked by another transaction: its callback waits in its
    writer. With two writers, a callback for a SID of the other writer is recorded meanwhile;
    with one, it waits behind (the contrast shows that the test can fail)."""
    daemon = start({"ingest_writers": str(writers)})
    held, other = sid_in_lane(0), sid_in_lane(1)
    assert_recorded(daemon.post_form(profile(held, "draft")), held, "draft")

    with psycopg.connect(db.conninfo) as locker, ThreadPoolExecutor(max_workers=2) as pool:
        locker.execute("SELECT 1 FROM profiles WHERE sid = %s FOR UPDATE", (held,))
        waiting = pool.submit(daemon.post_form, profile(held, "pending-review"))
        time.sleep(0.5)  # its batch is at the lock now
        began = time.monotonic()
        passing = pool.submit(daemon.post_form, profile(other, "pending-review"))
        time.sleep(2.0)
        other_done = passing.done()
        assert not waiting.done(), "the held SID's callback was answered while its profile was locked"
        locker.commit()
        assert_recorded(waiting.result(timeout=15), held, "pending-review")
        answer = passing.result(timeout=15)
        took = time.monotonic() - began
    assert_recorded(answer, other, "pending-review")
    if writers == 2:
        assert other_done, f"the other writer's callback waited for the held one ({took:.1f}s)"
    else:
        assert not other_done and took >= 2.0, f"one writer recorded the other SID in {took:.1f}s despite the lock"


def test_two_writers_keep_the_order_of_each_sid(start, db):
    """Twenty SIDs in each writer, each sent its chain of statuses in order, all at once: every
    SID's transitions form its chain, in order."""
    daemon = start({"ingest_writers": "2"})
    sids = [sid_in_lane(i % 2) for i in range(40)]
    chain = ["draft", "pending-review", "in-review", "twilio-rejected", "draft", "pending-review",
             "in-review", "twilio-approved"]

    def send(sid: str) -> None:
        for i, status in enumerate(chain):
            headers = {"I-Twilio-Idempotency-Token": f"{sid}-{i}"}  # the second draft is news, not a retry
            assert_recorded(daemon.post_form(profile(sid, status), headers=headers), sid, status)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(send, sids))
    for sid in sids:
        rows = db.rows("SELECT from_status, to_status FROM transitions WHERE sid = %s ORDER BY id", sid)
        assert [r["to_status"] for r in rows] == chain, (sid, rows)
        assert [r["from_status"] for r in rows] == [None, *chain[:-1]], (sid, rows)
    assert db.scalar("SELECT count(*) FROM callbacks") == 40 * len(chain)
