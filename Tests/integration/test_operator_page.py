"""The operator page (/ui/) against the real daemon: HTTP rules (credentials, methods, security
headers, no script), then Debian's chromium headless through Selenium reading every page and
checking it against the callbacks posted. Screenshots go to .local/ui-screenshots/."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import psycopg
import pytest
import requests

from harness import (
    assert_recorded, insert_profile, new_sid, record_transition, wait_for_delivery, wait_until, webhook_sink,
)

USER, PASSWORD = "operator", "ui-secret-5e2a"
HISTORY = {"history_username": USER, "history_password": PASSWORD}
PAGES = ["/ui/", "/ui/profiles", "/ui/profiles?waiting=1", "/ui/rejections", "/ui/review-times", "/ui/deliveries"]
HOSTILE_NAME = '<script>alert("name")</script> & \'Acme\' <img src=x onerror=alert(1)> é 日本'
HOSTILE_REASON = 'Error 18601: <b>bold</b> "quoted" & <script>alert(2)</script>'
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "ui-screenshots"


def get(daemon, target: str, auth=(USER, PASSWORD), method="GET", **kw) -> requests.Response:
    return requests.request(method, f"http://127.0.0.1:{daemon.port}{target}", auth=auth, timeout=20, **kw)


def record_product(daemon, sid: str, status: str) -> int:
    headers = {"I-Twilio-Idempotency-Token": secrets.token_hex(12)}
    r = daemon.post_form([("TrustProductSid", sid), ("Status", status)], headers=headers)
    return assert_recorded(r, sid, status)["transition_id"]


# ---- HTTP ------------------------------------------------------------------------------------


def test_credentials_are_required_and_the_page_is_off_with_the_history_api(start):
    daemon = start(HISTORY)
    for auth in (None, (USER, "wrong"), ("someone", PASSWORD)):
        r = get(daemon, "/ui/", auth=auth)
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"] == 'Basic realm="statushook"'
        assert r.headers["Content-Type"] == "application/json" and r.json()["status"] == 401
    assert get(daemon, "/ui/").status_code == 200

    off = start()
    r = get(off, "/ui/")
    assert r.status_code == 404 and "history_username" in r.json()["message"], r.text


def test_ui_without_its_slash_is_sent_to_the_page(start):
    daemon = start(HISTORY)
    for target, location in (("/ui", "ui/"), ("/ui?status=twilio-rejected", "ui/?status=twilio-rejected")):
        r = get(daemon, target, auth=None, allow_redirects=False)
        assert r.status_code == 301 and r.headers["Location"] == location, (target, r.status_code, r.headers)
    r = get(daemon, "/ui")  # requests follows it, relative to /ui, with the credentials
    assert r.status_code == 200 and r.url.endswith("/ui/"), (r.status_code, r.url)
    assert get(daemon, "/ui", method="POST", data=b"x=1", allow_redirects=False).status_code == 405


def test_only_get_and_head_are_allowed(start):
    daemon = start(HISTORY)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for target in ("/ui/", "/ui/profiles", "/ui/statushook.css"):
            r = get(daemon, target, method=method, data=b"x=1")
            assert r.status_code == 405, (method, target, r.text)
            assert r.headers["Allow"] == "GET, HEAD" and r.json()["status"] == 405
    head = get(daemon, "/ui/", method="HEAD")
    assert head.status_code == 200 and head.content == b""


def test_every_page_has_the_security_headers_and_no_script(start, db):
    daemon = start(HISTORY)
    sid = new_sid()
    record_transition(daemon, sid, "twilio-rejected", FailureReason=HOSTILE_REASON)
    for target in PAGES + [f"/ui/profiles/{sid}", "/ui/profiles?q=BU", "/ui/profiles/BU" + "0" * 32, "/ui/profiles?kind=robot"]:
        r = get(daemon, target)
        assert r.status_code in (200, 400, 404), (target, r.status_code)
        assert r.headers["Content-Type"] == "text/html; charset=utf-8", target
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp, csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"
        assert "<script" not in r.text.lower() and " style=" not in r.text, target
        assert r.text.startswith("<!DOCTYPE html>"), target
    assert get(daemon, "/ui/profiles/BU" + "0" * 32).status_code == 404
    assert get(daemon, "/ui/profiles?kind=robot").status_code == 400
    assert get(daemon, "/ui/nothing-here").status_code == 404
    css = get(daemon, "/ui/statushook.css")
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "system-ui" in css.text and css.headers["X-Content-Type-Options"] == "nosniff"


# ---- the browser -----------------------------------------------------------------------------


@pytest.fixture
def browser():
    """Debian's chromium headless, driven by Debian's chromedriver through Selenium (offline)."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # Basic credentials on every request of the page (its stylesheet too), as a browser sends
    # them once the user typed them.
    import base64
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}})
    yield driver
    driver.quit()


def visible(driver) -> str:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.TAG_NAME, "body").text


def shoot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 40, 600), 4000))
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def no_injection(driver) -> None:
    from selenium.webdriver.common.by import By
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "img") == []
    assert driver.find_elements(By.CSS_SELECTOR, "main b") == []
    assert driver.execute_script("return typeof window.__injected") == "undefined"


def table_rows(driver, css: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
            for row in driver.find_elements(By.CSS_SELECTOR, css)]


def test_a_browser_reads_every_page_against_the_data_posted(start, db, browser):
    from selenium.webdriver.common.by import By

    # A webhook to a closed port: its delivery of the rejection goes dead after one retry.
    daemon = start({**HISTORY, **webhook_sink("hooks", "http://127.0.0.1:9/hook", statuses="twilio-rejected"),
                    "retry_schedule": "1s"})
    base = f"http://127.0.0.1:{daemon.port}"

    rejected = new_sid()
    insert_profile(db, rejected, "draft", friendly_name=HOSTILE_NAME)
    path = ["pending-review", "in-review"]
    for status in path:
        record_transition(daemon, rejected, status)
    reject_tid = record_transition(daemon, rejected, "twilio-rejected", FailureReason=HOSTILE_REASON)
    approved = new_sid()
    for status in ["draft", "pending-review", "in-review", "twilio-approved"]:
        record_transition(daemon, approved, status)
    rejected_too = new_sid()
    for status in ["pending-review", "twilio-rejected"]:
        record_transition(daemon, rejected_too, status, FailureReason="Error 18602 and 18601")
    waiting = [new_sid() for _ in range(3)]
    record_transition(daemon, waiting[0], "pending-review")
    record_transition(daemon, waiting[1], "in-review")
    record_transition(daemon, waiting[2], "pending-review")
    product = new_sid()
    record_product(daemon, product, "pending-review")
    record_product(daemon, product, "twilio-rejected")
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        # The oldest waiting one first: make waiting[2] the longest waiting.
        conn.execute("UPDATE profiles SET date_updated = now() - interval '3 days' WHERE sid = %s", (waiting[2],))

    dead = wait_for_delivery(db, db.rows("SELECT id FROM deliveries WHERE transition_id = %s AND sink = 'hooks'",
                                         reject_tid)[0]["id"], states=("dead",), timeout=30)
    wait_until(lambda: db.scalar("SELECT count(*) FROM deliveries WHERE sink = 'hooks' AND state <> 'dead'") == 0, 30,
               lambda: "every delivery to the closed port to be dead")
    dead_ids = [r["id"] for r in db.rows("SELECT id FROM deliveries WHERE sink = 'hooks' AND state = 'dead'")]
    assert len(dead_ids) == 3, dead_ids

    # Overview: resources by status for both kinds, deliveries per sink, readiness.
    browser.get(base + "/ui/")
    text = visible(browser)
    # A status cell reads its status (a mark may precede it): the last word is the status.
    rows = {r[0].split()[-1]: r[1:] for r in table_rows(browser, "section:nth-of-type(2) tbody tr")}
    for status in ["draft", "pending-review", "in-review", "twilio-approved", "twilio-rejected"]:
        for column, condition in ((0, "kind IS DISTINCT FROM 'trust_product'"), (1, "kind = 'trust_product'")):
            want = db.scalar(f"SELECT count(*) FROM profiles WHERE status = %s AND {condition}", status)
            assert rows[status][column] == str(want), (status, column, rows)
    assert rows["twilio-rejected"] == ["2", "1"] and rows["pending-review"] == ["2", "0"] and rows["in-review"] == ["1", "0"], rows
    assert rows["all"] == ["6", "1"], rows
    assert "Waiting for Twilio: 3" in text and "✓ Ready" in text
    sinks = {r[0]: r[1:] for r in table_rows(browser, "section:nth-of-type(3) tbody tr")}
    assert sinks["hooks"][3] == str(len(dead_ids)), sinks
    no_injection(browser)
    shoot(browser, "overview")

    # The overview at 360 px: no sideways scroll.
    browser.set_window_size(360, 800)
    browser.get(base + "/ui/")
    scroll = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll[0] <= scroll[1], f"horizontal scroll at 360 px: {scroll}"
    shoot(browser, "overview-360px")
    browser.set_window_size(1280, 900)

    # Profiles, filtered to rejected customer profiles: exactly the rejected SIDs.
    browser.get(base + "/ui/profiles?status=twilio-rejected&kind=customer_profile")
    listed = [r[0] for r in table_rows(browser, "tbody tr")]
    assert listed == sorted([rejected, rejected_too]), listed
    assert HOSTILE_NAME in visible(browser)
    no_injection(browser)
    json_link = browser.find_element(By.CSS_SELECTOR, "a.json").get_attribute("href")
    assert json_link == base + "/v1/CustomerProfiles?Status=twilio-rejected"
    shoot(browser, "profiles-rejected")
    # The filter form, used as a person would: status select, then Show.
    browser.get(base + "/ui/profiles")
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.NAME, "status")).select_by_value("twilio-rejected")
    Select(browser.find_element(By.NAME, "kind")).select_by_value("trust_product")
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    # click() may return before the next page has loaded: wait for the old one to go.
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(page))
    assert "status=twilio-rejected" in browser.current_url, browser.current_url
    assert [r[0] for r in table_rows(browser, "tbody tr")] == [product]
    # Search by SID prefix and by name prefix (the hostile one).
    browser.get(base + "/ui/profiles?q=" + rejected[:12])
    assert rejected in [r[0] for r in table_rows(browser, "tbody tr")]
    browser.get(base + "/ui/profiles?q=" + requests.utils.quote("<script>alert"))
    assert [r[0] for r in table_rows(browser, "tbody tr")] == [rejected]
    # Waiting for Twilio, oldest first.
    browser.get(base + "/ui/profiles?waiting=1")
    order = [r[0] for r in table_rows(browser, "tbody tr")]
    assert order[0] == waiting[2] and set(order) == set(waiting), order
    assert "3 d" in visible(browser)
    shoot(browser, "profiles-waiting")

    # One profile: its transitions newest first, the failure reason as text, the code linked.
    browser.get(base + f"/ui/profiles/{rejected}")
    timeline = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.timeline > li")]
    transitions = db.rows("SELECT from_status, to_status FROM transitions WHERE sid = %s ORDER BY id DESC", rejected)
    assert len(timeline) == len(transitions) == 3, timeline
    for line, row in zip(timeline, transitions):
        assert f"{row['from_status']} → " in line and row["to_status"] in line, (line, row)
    assert "Failure reason: " + HOSTILE_REASON in timeline[0]
    codes = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "ol.timeline a.code")]
    assert codes == ["https://www.twilio.com/docs/errors/18601"], codes
    assert f"statushook replay --id {dead['id']}" in visible(browser)
    no_injection(browser)
    shoot(browser, "profile")

    # Rejections: counts per error code over 7 and 30 days, the latest first.
    browser.get(base + "/ui/rejections")
    counts = {r[0]: r[1:] for r in table_rows(browser, "section:nth-of-type(1) tbody tr")}
    assert counts == {"18601": ["2", "2"], "18602": ["1", "1"], "none named": ["1", "1"]}, counts
    link = browser.find_element(By.LINK_TEXT, "18602").get_attribute("href")
    assert link == "https://www.twilio.com/docs/errors/18602"
    latest = [r[0] for r in table_rows(browser, "section:nth-of-type(2) tbody tr")]
    assert latest == [product, rejected_too, rejected], latest
    no_injection(browser)
    shoot(browser, "rejections")

    # Review times: every verdict is a bar's count; the table says the same.
    browser.get(base + "/ui/review-times")
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.histogram rect")
    heights = {b.get_attribute("data-label"): (int(b.get_attribute("data-count")), float(b.get_attribute("height"))) for b in bars}
    assert len(bars) == 9 and heights["< 1 h"][0] == 4 and sum(c for c, _ in heights.values()) == 4, heights
    assert heights["< 1 h"][1] > 0 and all(h == 0 for label, (c, h) in heights.items() if label != "< 1 h")
    week = table_rows(browser, "tbody tr")
    assert len(week) == 1 and week[0][1] == "4" and week[0][2] == "1", week
    shoot(browser, "review-times")

    # Deliveries: the dead one with its exact replay command.
    browser.get(base + "/ui/deliveries")
    commands = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "code.command")]
    assert commands == [f"statushook replay --id {i}" for i in sorted(dead_ids, reverse=True)], commands
    assert "statushook replay --sink hooks" in visible(browser)
    no_injection(browser)
    shoot(browser, "deliveries")

    # The command the page gives works: the CLI re-queues the delivery.
    import subprocess
    from harness import clean_env, statushook_bin
    # clean_env: scripts/test exports STATUSHOOK_DATABASE_URL, which would send the CLI elsewhere.
    done = subprocess.run([statushook_bin(), *commands[-1].split()[1:], "--config", str(daemon.config_path)],
                          capture_output=True, text=True, timeout=30, env=clean_env())
    assert done.returncode == 0 and "re-queued 1 delivery" in done.stdout, (done.stdout, done.stderr)
