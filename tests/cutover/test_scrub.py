"""What the capture scrubber removes: no secret survives, however it is spelled."""

from __future__ import annotations

import json

import pytest

from cutover import scrub
from shared_models.models import User
from shared_models.tokens import issue

SECRET = "scrub-test-secret-key-long-enough-for-hs256"


@pytest.mark.parametrize(("body", "content_type"), [
    (b'{"username": "a", "password": "hunter2"}', "application/json"),
    (b'{"nested": [{"api_key": "hunter2"}], "x": 1}', "application/json; charset=utf-8"),
    (b'{"pass\\u0077ord": "hunter2"}', "application/json"),  # an escaped key
    (b"username=a&pass%77ord=hunter2", "application/x-www-form-urlencoded"),  # a percent-encoded key
    (b'--b\r\nContent-Disposition: form-data; name="secret"\r\n\r\nhunter2\r\n--b--\r\n',
     "multipart/form-data; boundary=b"),
    (b'{"password": "hunter2"', "application/json"),  # broken JSON naming a secret: dropped
    (b"password: hunter2", "text/plain"),
])
def test_secret_fields_are_masked_or_the_body_dropped(body: bytes, content_type: str) -> None:
    kept = scrub.mask_body(body, content_type)
    assert kept is None or b"hunter2" not in kept


def test_harmless_bodies_pass_unchanged() -> None:
    page = json.dumps({"jobs": [{"name": "nightly", "cron_expression": "0 9 * * *"}], "page": 1}).encode()
    assert scrub.mask_body(page, "application/json") is page
    assert scrub.mask_body(b"name,cron\nx,50% * * * *\n", "text/csv") == b"name,cron\nx,50% * * * *\n"
    assert scrub.mask_body(b'{"discount": "10%"}', "application/json") == b'{"discount": "10%"}'


def test_query_and_headers() -> None:
    assert scrub.mask_query("page=2&access_token=abc") == "page=2&access_token=%2A%2A%2A"
    assert scrub.mask_query("page=2&sort_by=name") == "page=2&sort_by=name"
    kept = scrub.keep_headers([(b"Cookie", b"s=1"), (b"Authorization", b"Bearer x"), (b"X-CSRF-Token", b"t"),
                               (b"Accept", b"*/*")])
    assert kept == {"x-csrf-token": "***", "accept": "*/*"}


def test_the_caller_replaces_the_token() -> None:
    user = User(id="u-1", role="viewer", email="v@example.com")
    fresh = issue(user, "access", secret=SECRET, expires_in=3600)
    assert scrub.caller(f"Bearer {fresh}", SECRET) == {"user_id": "u-1", "role": "viewer", "type": "access",
                                                        "expired": False}
    old = issue(user, "refresh", secret=SECRET, expires_in=-10)
    assert scrub.caller(f"Bearer {old}", SECRET)["expired"] is True
    assert scrub.caller(f"Bearer {fresh}", "another-secret-key-long-enough-for-hs256") == {"invalid": "token"}
    assert scrub.caller("Bearer", SECRET) == {"invalid": "header", "status": 422}
    assert scrub.caller(None, SECRET) is None
