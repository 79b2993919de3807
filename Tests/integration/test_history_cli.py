"""`statushook history [SID]` (docs/contract.md §5): the known profiles, or one profile's transitions newest
first, as a table; colour only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess

from harness import assert_recorded, clean_env, insert_profile, new_sid, record_transition, run_cli, statushook_bin

ESC = "\x1b["


def history(daemon, *args: str) -> subprocess.CompletedProcess:
    return run_cli("history", *args, "--config", str(daemon.config_path))


def table(stdout: str) -> list[list[str]]:
    """The rows of a table, cells split on the runs of two or more spaces that separate columns."""
    import re
    return [re.split(r" {2,}", line.rstrip()) for line in stdout.splitlines() if line.strip()]


def seed_two_profiles(daemon, db) -> tuple[str, str]:
    named, other = new_sid(), new_sid()
    insert_profile(db, named, "draft", friendly_name="Acme Ltd")
    for status in ("pending-review", "in-review"):
        record_transition(daemon, named, status)
    record_transition(daemon, named, "twilio-rejected", FailureReason="Business name mismatch")
    record_transition(daemon, other, "draft")
    record_transition(daemon, other, "twilio-approved")  # unexpected: draft → approved
    return named, other


def test_history_lists_the_profiles_plain_when_not_a_terminal(daemon, db):
    named, other = seed_two_profiles(daemon, db)
    p = history(daemon)
    assert p.returncode == 0, p.stderr
    assert ESC not in p.stdout, repr(p.stdout)
    rows = table(p.stdout)
    assert rows[0] == ["SID", "KIND", "STATUS", "LAST CHANGE", "FRIENDLY NAME"], rows
    by_sid = {r[0]: r for r in rows[1:]}
    assert set(by_sid) == {named, other}, rows
    # The callbacks name CustomerProfileSid: the kind is known from them.
    assert by_sid[named][1:3] == ["customer profile", "twilio-rejected"] and by_sid[named][4] == "Acme Ltd", rows
    assert by_sid[other][1:3] == ["customer profile", "twilio-approved"] and len(by_sid[other]) == 4, rows
    assert by_sid[named][3].endswith("Z") and by_sid[named][3][:4].isdigit(), rows
    # Columns line up: every cell of a column starts at the header's offset.
    lines = p.stdout.splitlines()
    offset = lines[0].index("LAST CHANGE")
    assert all(line[offset - 2:offset] == "  " and line[offset] != " " for line in lines[1:]), lines

    limited = table(history(daemon, "--limit", "1").stdout)
    assert len(limited) == 2 and limited[1][0] == other, limited  # the latest change first


def test_history_of_one_profile_shows_its_transitions_newest_first(daemon, db):
    named, other = seed_two_profiles(daemon, db)
    p = history(daemon, named)
    assert p.returncode == 0, p.stderr
    assert ESC not in p.stdout
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"{named} “Acme Ltd”, customer profile: twilio-rejected since "), lines[0]
    rows = table("\n".join(lines[1:]))
    assert rows[0] == ["WHEN", "FROM → TO", "UNEXPECTED", "FAILURE REASON", "SOURCE"], rows
    assert [r[1] for r in rows[1:]] == ["in-review → twilio-rejected", "pending-review → in-review",
                                        "draft → pending-review"], rows
    assert rows[1][2:] == ["no", "Business name mismatch", "callback"], rows
    assert rows[2][2:] == ["no", "callback"], rows
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), reverse=True)

    rows = table("\n".join(history(daemon, other).stdout.splitlines()[1:]))
    assert [r[1:3] for r in rows[1:]] == [["draft → twilio-approved", "yes"], ["∅ → draft", "no"]], rows

    assert len(table(history(daemon, named, "--limit", "2").stdout)) == 1 + 1 + 2


def test_history_names_the_kind_of_each_resource(daemon, db):
    product, unknown = new_sid(), new_sid()
    assert_recorded(daemon.post_form([("TrustProductSid", product), ("Status", "draft")]), product, "draft")
    assert_recorded(daemon.post_form([("BundleSID", unknown), ("Status", "draft")]), unknown, "draft")
    by_sid = {r[0]: r for r in table(history(daemon).stdout)[1:]}
    assert by_sid[product][1] == "trust product" and by_sid[unknown][1] == "unknown", by_sid
    first = history(daemon, product).stdout.splitlines()[0]
    assert first.startswith(f"{product}, trust product: draft since "), first


def test_history_refuses_a_bad_or_unknown_sid(daemon, db):
    unknown = history(daemon, new_sid())
    assert unknown.returncode == 1 and "no profile" in unknown.stderr, (unknown.stdout, unknown.stderr)
    bad = history(daemon, "BUnothex")
    assert bad.returncode != 0 and "not a resource SID" in bad.stderr, bad.stderr


def test_history_is_coloured_on_a_terminal(daemon, db):
    named, _ = seed_two_profiles(daemon, db)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([statushook_bin(), "history", named, "--config", str(daemon.config_path)],
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
                            env=clean_env(TERM="xterm"))
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    text = out.decode()
    assert ESC + "31mtwilio-rejected" + ESC + "0m" in text, repr(text)  # rejected in red
    assert ESC + "1mWHEN" in text, repr(text)  # a bold header
    # The escapes do not shift the columns: without them, the table is the plain one.
    plain = history(daemon, named).stdout
    import re
    assert re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n").strip() == plain.strip()
