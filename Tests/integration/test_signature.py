"""The signature rules of docs/contract.md §1, checked with callbacks signed by Twilio's official SDK."""

from __future__ import annotations

import json

from harness import (
    CALLBACK_PATH, TOKEN, assert_recorded, basic_auth, assert_twilio_error, body_sha256, new_sid, sign,
)


def profile(sid: str, status: str, **extra) -> list[tuple[str, str]]:
    pairs = [("CustomerProfileSid", sid), ("Status", status)]
    pairs += list(extra.items())
    return pairs


def test_form_callback_signed_by_the_sdk_is_recorded(daemon, db):
    sid, account = new_sid(), new_sid("AC")
    r = daemon.post_form(profile(sid, "draft", AccountSid=account, FriendlyName="Acme Inc"))
    body = assert_recorded(r, sid, "draft")

    [cb] = db.rows("SELECT * FROM callbacks")
    assert cb["sid"] == sid and cb["status"] == "draft" and cb["account_sid"] == account
    assert cb["content_type"].startswith("application/x-www-form-urlencoded")
    assert cb["path"] == CALLBACK_PATH
    assert cb["raw_query"] == ""
    assert cb["params"]["FriendlyName"] == "Acme Inc"
    assert cb["params"]["CustomerProfileSid"] == sid
    assert cb["peer"].startswith("127.0.0.1")
    [t] = db.rows("SELECT * FROM transitions")
    assert t["id"] == body["transition_id"] and t["to_status"] == "draft"


def test_json_callback_signed_with_body_sha256_is_recorded(daemon, db):
    sid = new_sid()
    payload = {"BundleSid": sid, "status": "pending-review", "FailureReason": None,
               "Nested": {"a": [1, 2]}}
    r = daemon.post_json(payload)
    assert_recorded(r, sid, "pending-review")
    [cb] = db.rows("SELECT * FROM callbacks")
    assert cb["content_type"].startswith("application/json")
    assert cb["params"]["Nested"] == {"a": [1, 2]}
    assert cb["raw_query"] == f"bodySHA256={body_sha256(json.dumps(payload))}"


def test_json_body_not_matching_its_body_sha256_is_rejected(daemon, db):
    sid = new_sid()
    # The URL (and so the signature) carries the hash of another body.
    other = json.dumps({"BundleSid": sid, "status": "draft"})
    r = daemon.post_json({"BundleSid": sid, "status": "twilio-approved"}, body_hash=body_sha256(other))
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_json_body_without_body_sha256_is_rejected(daemon, db):
    sid = new_sid()
    body = json.dumps({"BundleSid": sid, "status": "draft"}).encode()
    url = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}"
    r = daemon.request("POST", CALLBACK_PATH, body=body, headers={
        "Content-Type": "application/json", "X-Twilio-Signature": sign(TOKEN, url, {})})
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_query_string_is_signed_and_stored_verbatim(daemon, db):
    sid = new_sid()
    r = daemon.post_form(profile(sid, "draft"), query="tenant=acme&x=%27")
    assert_recorded(r, sid, "draft")
    assert db.scalar("SELECT raw_query FROM callbacks") == "tenant=acme&x=%27"


def test_query_string_is_not_decoded_before_signing(daemon, db):
    sid = new_sid()
    # Sent as %27 but signed over a decoded ' : a daemon that decodes would wrongly accept it.
    target_query = "tenant=acme&x=%27"
    signed = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}?tenant=acme&x='"
    r = daemon.post_form(profile(sid, "draft"), query=target_query, signed_url=signed)
    assert_twilio_error(r, 403)
    # And a raw ' is signed as it came.
    r = daemon.post_form(profile(sid, "draft"), query="tenant=acme&x='&y=a+b%20c")
    assert_recorded(r, sid, "draft")
    assert db.scalar("SELECT raw_query FROM callbacks") == "tenant=acme&x='&y=a+b%20c"


def test_query_string_is_not_reordered_before_signing(daemon, db):
    sid = new_sid()
    signed = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}?a=1&b=2"
    r = daemon.post_form(profile(sid, "draft"), query="b=2&a=1", signed_url=signed)
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_non_default_port_in_the_signed_url_is_accepted(daemon):
    sid = new_sid()
    # The Host carries the daemon's own (non-default) port, and so does the signed URL.
    signed = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}"
    assert_recorded(daemon.post_form(profile(sid, "draft"), signed_url=signed), sid, "draft")


def test_port_stripped_from_the_signed_url_is_accepted(daemon):
    sid = new_sid()
    # The Host has a port; Twilio may have signed the URL without it.
    signed = f"http://127.0.0.1{CALLBACK_PATH}"
    assert_recorded(daemon.post_form(profile(sid, "draft"), signed_url=signed), sid, "draft")


def test_default_port_added_to_the_signed_url_is_accepted(daemon):
    sid = new_sid()
    # The Host has no port; Twilio may have signed the URL with :80 (http).
    signed = f"http://hooks.example.com:80{CALLBACK_PATH}"
    r = daemon.post_form(profile(sid, "draft"), host="hooks.example.com", signed_url=signed)
    assert_recorded(r, sid, "draft")
    r = daemon.post_form(profile(sid, "pending-review"), host="hooks.example.com")
    assert_recorded(r, sid, "pending-review")


def test_https_port_443_added_to_the_signed_url_is_accepted(start):
    d = start({"public_url": "https://hooks.example.com"})
    sid = new_sid()
    r = d.post_form(profile(sid, "draft"), signed_url=f"https://hooks.example.com:443{CALLBACK_PATH}")
    assert_recorded(r, sid, "draft")
    r = d.post_form(profile(sid, "pending-review"), signed_url=f"https://hooks.example.com{CALLBACK_PATH}")
    assert_recorded(r, sid, "pending-review")


def test_other_port_added_to_the_signed_url_is_rejected(start, db):
    d = start({"public_url": "https://hooks.example.com"})
    sid = new_sid()
    r = d.post_form(profile(sid, "draft"), signed_url=f"https://hooks.example.com:8443{CALLBACK_PATH}")
    assert_twilio_error(r, 403)
    r = d.post_form(profile(sid, "draft"), signed_url=f"http://hooks.example.com{CALLBACK_PATH}")
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_public_url_with_a_path_prefix_is_signed(start, db):
    d = start({"public_url": "https://hooks.example.com/prefix"})
    sid = new_sid()
    # The proxy strips /prefix: the request arrives at /callbacks/twilio.
    r = d.post_form(profile(sid, "draft"), query="tenant=acme",
                    signed_url=f"https://hooks.example.com/prefix{CALLBACK_PATH}?tenant=acme")
    assert_recorded(r, sid, "draft")
    # Signed without the prefix (or over the internal URL): rejected.
    r = d.post_form(profile(sid, "pending-review"),
                    signed_url=f"https://hooks.example.com{CALLBACK_PATH}")
    assert_twilio_error(r, 403)
    r = d.post_form(profile(sid, "pending-review"))
    assert_twilio_error(r, 403)
    assert db.scalar("SELECT count(*) FROM callbacks") == 1


def test_public_url_with_credentials_is_signed_with_them(start):
    d = start({"public_url": "https://twilio:s3cret@hooks.example.com",
               "callback_username": "twilio", "callback_password": "s3cret"})
    sid = new_sid()
    r = d.post_form(profile(sid, "draft"),
                    signed_url=f"https://twilio:s3cret@hooks.example.com{CALLBACK_PATH}",
                    headers={"Authorization": basic_auth("twilio", "s3cret")})
    assert_recorded(r, sid, "draft")


def test_trusted_proxy_forwarded_headers_rebuild_the_signed_url(start, db):
    d = start({"trusted_proxies": "127.0.0.2"})
    sid = new_sid()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com",
                 "X-Forwarded-Port": "8443"}
    r = d.post_form(profile(sid, "draft"), query="tenant=acme", source="127.0.0.2",
                    signed_url=f"https://hooks.example.com:8443{CALLBACK_PATH}?tenant=acme",
                    headers=forwarded)
    assert_recorded(r, sid, "draft")
    assert db.scalar("SELECT peer FROM callbacks").startswith("127.0.0.2")


def test_trusted_proxy_first_entry_of_forwarded_lists_is_used(start):
    d = start({"trusted_proxies": "10.0.0.0/8, 127.0.0.2"})
    sid = new_sid()
    forwarded = {"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "hooks.example.com, internal:8080"}
    r = d.post_form(profile(sid, "draft"), source="127.0.0.2",
                    signed_url=f"https://hooks.example.com{CALLBACK_PATH}", headers=forwarded)
    assert_recorded(r, sid, "draft")


def test_trusted_proxy_given_as_cidr(start):
    d = start({"trusted_proxies": "127.0.0.0/30"})
    sid = new_sid()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    r = d.post_form(profile(sid, "draft"), source="127.0.0.2",
                    signed_url=f"https://hooks.example.com{CALLBACK_PATH}", headers=forwarded)
    assert_recorded(r, sid, "draft")


def test_forwarded_headers_from_an_untrusted_peer_are_rejected(start, db):
    d = start({"trusted_proxies": "127.0.0.2"})
    sid = new_sid()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com",
                 "X-Forwarded-Port": "8443"}
    r = d.post_form(profile(sid, "draft"), source="127.0.0.1",
                    signed_url=f"https://hooks.example.com:8443{CALLBACK_PATH}", headers=forwarded)
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_forwarded_headers_are_ignored_without_trusted_proxies(daemon, db):
    sid = new_sid()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    r = daemon.post_form(profile(sid, "draft"), source="127.0.0.2",
                         signed_url=f"https://hooks.example.com{CALLBACK_PATH}", headers=forwarded)
    assert_twilio_error(r, 403)
    # The URL from Host is what counts for that peer.
    r = daemon.post_form(profile(sid, "draft"), source="127.0.0.2", headers=forwarded)
    assert_recorded(r, sid, "draft")


def test_rotated_token_previous_is_accepted(start, db):
    d = start({"auth_token": "new-token-aaaaaaaaaaaaaaaaaaaaaaaaaa",
               "auth_token_previous": "old-token-bbbbbbbbbbbbbbbbbbbbbbbbbb"})
    sid = new_sid()
    assert_recorded(d.post_form(profile(sid, "draft"), token="old-token-bbbbbbbbbbbbbbbbbbbbbbbbbb"),
                    sid, "draft")
    assert_recorded(d.post_form(profile(sid, "pending-review"), token="new-token-aaaaaaaaaaaaaaaaaaaaaaaaaa"),
                    sid, "pending-review")
    assert_twilio_error(d.post_form(profile(sid, "in-review"), token="older-token-ccccccccccccccccccc"), 403)
    assert db.scalar("SELECT count(*) FROM callbacks") == 2


def test_per_account_token_is_required_for_its_account(start, db):
    own, other = new_sid("AC"), new_sid("AC")
    d = start({f"account.{own}.auth_token": "account-token-ddddddddddddddddddddd",
               f"account.{own}.auth_token_previous": "account-old-eeeeeeeeeeeeeeeeeeeee"})
    sid1, sid2, sid3 = new_sid(), new_sid(), new_sid()
    # The account's own token (and its previous one) are accepted…
    r = d.post_form(profile(sid1, "draft", AccountSid=own), token="account-token-ddddddddddddddddddddd")
    assert_recorded(r, sid1, "draft")
    r = d.post_form(profile(sid1, "pending-review", AccountSid=own), token="account-old-eeeeeeeeeeeeeeeeeeeee")
    assert_recorded(r, sid1, "pending-review")
    # …the default token is not, for that account…
    r = d.post_form(profile(sid2, "draft", AccountSid=own), token=TOKEN)
    assert_twilio_error(r, 403)
    # …but it still is for another account, and the account's token is not valid there.
    r = d.post_form(profile(sid3, "draft", AccountSid=other), token=TOKEN)
    assert_recorded(r, sid3, "draft")
    r = d.post_form(profile(new_sid(), "draft", AccountSid=other), token="account-token-ddddddddddddddddddddd")
    assert_twilio_error(r, 403)
    assert db.scalar("SELECT count(*) FROM callbacks") == 3


def test_repeated_parameter_name_is_signed_with_its_sorted_distinct_values(daemon, db):
    sid = new_sid()
    pairs = [("CustomerProfileSid", sid), ("Status", "twilio-rejected"),
             ("ErrorCode", "18602"), ("ErrorCode", "18601"), ("ErrorCode", "18602")]
    r = daemon.post_form(pairs)
    assert_recorded(r, sid, "twilio-rejected")
    params = db.scalar("SELECT params FROM callbacks")
    assert params["ErrorCode"] == ["18602", "18601", "18602"], params


def test_parameter_names_are_sorted_by_bytes_not_case_insensitively(daemon):
    sid = new_sid()
    # Byte order: "B…" < "Status" < "_x" < "a…" < "é…"; case-insensitive order differs.
    pairs = [("CustomerProfileSid", sid), ("Status", "draft"), ("aLower", "1"), ("BUpper", "2"),
             ("_x", "3"), ("é", "4"), ("Z", "5")]
    assert_recorded(daemon.post_form(pairs), sid, "draft")


def test_non_ascii_values_are_signed_and_stored(daemon, db):
    sid = new_sid()
    reason = "Adresse invalide: é 日本 🎉 a+b c%"
    pairs = profile(sid, "twilio-rejected", FailureReason=reason, FriendlyName="Café 日本 🚀")
    r = daemon.post_form(pairs)
    assert_recorded(r, sid, "twilio-rejected")
    [cb] = db.rows("SELECT failure_reason, params FROM callbacks")
    assert cb["failure_reason"] == reason
    assert cb["params"]["FriendlyName"] == "Café 日本 🚀"
    assert db.scalar("SELECT failure_reason FROM transitions") == reason


def test_non_ascii_values_in_a_json_body(daemon, db):
    sid = new_sid()
    r = daemon.post_json({"CustomerProfileSid": sid, "Status": "twilio-rejected",
                          "FailureReason": "Nom illisible: é 日本 🎉"})
    assert_recorded(r, sid, "twilio-rejected")
    assert db.scalar("SELECT failure_reason FROM callbacks") == "Nom illisible: é 日本 🎉"


def test_signature_over_other_params_is_rejected(daemon, db):
    sid = new_sid()
    url = f"http://127.0.0.1:{daemon.port}{CALLBACK_PATH}"
    forged = sign(TOKEN, url, profile(sid, "draft"))
    r = daemon.post_form(profile(sid, "twilio-approved"), signature=forged)
    assert_twilio_error(r, 403)
    db.assert_nothing_written()


def test_json_callback_with_a_query_string_is_signed_and_stored_verbatim(daemon, db):
    sid = new_sid()
    payload = {"CustomerProfileSid": sid, "Status": "draft"}
    r = daemon.post_json(payload, query="tenant=acme&x=%27")
    assert_recorded(r, sid, "draft")
    digest = body_sha256(json.dumps(payload, ensure_ascii=False))
    assert db.scalar("SELECT raw_query FROM callbacks") == f"tenant=acme&x=%27&bodySHA256={digest}"


def test_json_content_type_with_a_charset_is_accepted(daemon):
    sid = new_sid()
    r = daemon.post_json({"CustomerProfileSid": sid, "Status": "draft"},
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert_recorded(r, sid, "draft")


def test_values_are_signed_untrimmed_and_empty_values_count(daemon, db):
    sid = new_sid()
    pairs = profile(sid, "draft", FriendlyName="  padded name  ", Empty="", Plus="a+b", Space="a b")
    r = daemon.post_form(pairs)
    assert_recorded(r, sid, "draft")
    params = db.scalar("SELECT params FROM callbacks")
    assert params["FriendlyName"] == "  padded name  "
    assert params["Empty"] == "" and params["Plus"] == "a+b" and params["Space"] == "a b"


def test_trusted_proxy_default_https_port_is_accepted_without_it(start):
    d = start({"trusted_proxies": "127.0.0.2"})
    sid = new_sid()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com",
                 "X-Forwarded-Port": "443"}
    r = d.post_form(profile(sid, "draft"), source="127.0.0.2",
                    signed_url=f"https://hooks.example.com{CALLBACK_PATH}", headers=forwarded)
    assert_recorded(r, sid, "draft")
    r = d.post_form(profile(sid, "pending-review"), source="127.0.0.2",
                    signed_url=f"https://hooks.example.com:443{CALLBACK_PATH}", headers=forwarded)
    assert_recorded(r, sid, "pending-review")
