"""`statushook subscribe` against the TrustHub API fake: a dry run changes nothing, --apply
updates only the profiles whose StatusCallback differs (docs/contract.md §7)."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from harness import TOKEN, run_cli, write_config
from trusthub_peer import ACCOUNT_SID, API_KEY, API_SECRET, profile

PUBLIC_URL = "https://hooks.example.com/statushook"
TARGET = PUBLIC_URL + "/callbacks/twilio"


@pytest.fixture
def profiles(fake):
    """Five profiles on three pages: two already point here, three do not (one has no callback)."""
    made = [
        profile("twilio-approved", status_callback=TARGET),
        profile("in-review", status_callback="https://old.example.com/twilio"),
        profile("draft", status_callback=None),
        profile("pending-review", status_callback=TARGET),
        profile("twilio-rejected", status_callback=TARGET + "?tenant=old"),
    ]
    fake.set_profiles(*made)
    fake.max_page_size(2)
    return made


def config_file(tmp_path, fake, **extra) -> str:
    config = {"database_url": "host=/nonexistent dbname=unused", "auth_token": TOKEN,
              "public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID, "twilio_api_base": fake.base}
    config.update(extra)
    path = tmp_path / "subscribe.conf"
    write_config(path, config)
    return str(path)


def callbacks(fake, sids, username: str = ACCOUNT_SID, password: str = TOKEN) -> dict:
    """Each profile's StatusCallback as the API now serves it (read through the fake's list)."""
    found, url = {}, f"{fake.base}/v1/CustomerProfiles?PageSize=1000"
    while url:
        request = urllib.request.Request(url)
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.loads(response.read())
        found.update({r["sid"]: r["status_callback"] for r in page["results"] if r["sid"] in sids})
        url = page["meta"]["next_page_url"]
    return found


def test_dry_run_shows_what_would_change_and_changes_nothing(tmp_path, fake, profiles):
    before = callbacks(fake, {p["sid"] for p in profiles})
    lists_before = len(fake.requests("list"))
    result = run_cli("subscribe", "--all", "--config", config_file(tmp_path, fake))
    assert result.returncode == 0, result.stderr
    changing = [profiles[1]["sid"], profiles[2]["sid"], profiles[4]["sid"]]
    for sid in changing:
        assert sid in result.stdout, result.stdout
    for p in (profiles[0], profiles[3]):
        assert p["sid"] not in result.stdout, result.stdout
    assert "dry run: 3 of 5 resource(s) would change; 2 already point here" in result.stdout, result.stdout
    assert fake.requests("update") == []
    # --all read every page, following next_page_url.
    assert len(fake.requests("list")) == lists_before + 3, fake.requests("list")
    assert callbacks(fake, {p["sid"] for p in profiles}) == before


def test_apply_updates_only_the_profiles_whose_status_callback_differs(tmp_path, fake, profiles):
    result = run_cli("subscribe", "--all", "--apply", "--config", config_file(tmp_path, fake))
    assert result.returncode == 0, result.stderr
    updates = fake.requests("update")
    assert sorted(r["path"].rsplit("/", 1)[1] for r in updates) == sorted(
        p["sid"] for p in (profiles[1], profiles[2], profiles[4]))
    assert all(r["form"] == {"StatusCallback": TARGET} for r in updates), updates
    assert all((r["username"], r["password"]) == (ACCOUNT_SID, TOKEN) for r in fake.requests())
    assert set(callbacks(fake, {p["sid"] for p in profiles}).values()) == {TARGET}
    assert "3 of 3 resource(s) updated; 2 already pointed here" in result.stdout, result.stdout

    # Once subscribed, there is nothing left to do.
    again = run_cli("subscribe", "--all", "--apply", "--config", config_file(tmp_path, fake))
    assert again.returncode == 0, again.stderr
    assert len(fake.requests("update")) == 3
    assert "0 of 0 resource(s) updated; 5 already pointed here" in again.stdout, again.stdout


def test_named_profiles_only_with_an_api_key(tmp_path, fake, profiles):
    fake.require_auth(API_KEY, API_SECRET)
    path = config_file(tmp_path, fake, twilio_api_key=API_KEY, twilio_api_secret=API_SECRET)
    result = run_cli("subscribe", profiles[0]["sid"], profiles[1]["sid"], "--apply", "--config", path)
    assert result.returncode == 0, result.stderr
    assert [r["path"] for r in fake.requests("update")] == [f"/v1/CustomerProfiles/{profiles[1]['sid']}"]
    assert [r["path"].rsplit("/", 1)[1] for r in fake.requests("fetch")] == [profiles[0]["sid"], profiles[1]["sid"]]
    assert {(r["username"], r["password"]) for r in fake.requests()} == {(API_KEY, API_SECRET)}
    untouched = callbacks(fake, {profiles[2]["sid"], profiles[4]["sid"]}, API_KEY, API_SECRET)
    assert untouched == {profiles[2]["sid"]: None, profiles[4]["sid"]: TARGET + "?tenant=old"}  # not named
    assert API_SECRET not in result.stdout + result.stderr


def test_refusals_are_clear(tmp_path, fake, profiles):
    no_public_url = run_cli("subscribe", "--all", "--config", config_file(tmp_path, fake, public_url=None))
    assert no_public_url.returncode == 2 and "public_url" in no_public_url.stderr, no_public_url
    no_credentials = run_cli("subscribe", "--all", "--config",
                             config_file(tmp_path, fake, twilio_account_sid=None))
    assert no_credentials.returncode == 2 and "credentials" in no_credentials.stderr, no_credentials
    both = run_cli("subscribe", "--all", profiles[0]["sid"], "--config", config_file(tmp_path, fake))
    assert both.returncode != 0 and "not both" in both.stderr, both
    fake.require_auth(ACCOUNT_SID, "another-token")
    refused = run_cli("subscribe", "--all", "--config", config_file(tmp_path, fake))
    assert refused.returncode == 1 and "refused the credentials" in refused.stderr, refused
    assert fake.base not in refused.stderr + refused.stdout and TOKEN not in refused.stderr + refused.stdout
    assert fake.requests("update") == []
