"""The webhook call against a real local server (§5.4, D11)."""

from __future__ import annotations

from shared_models.outbound import webhook
from shared_models.settings import Settings
from tests.local_http import LocalHTTPServer


def test_post_sends_json_and_returns_bounded_text(settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", method="POST", status=201, body="x" * 5000)
    result = webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="POST", payload={"a": 1})
    assert result.ok and result.status_code == 201
    assert result.text == "x" * 1000
    [request] = http_server.requests
    assert request.json() == {"a": 1} and request.headers["Content-Type"] == "application/json"


def test_get_sends_no_body(settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", method="GET", body="pong")
    result = webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET")
    assert (result.ok, result.status_code, result.text) == (True, 200, "pong")
    request = http_server.requests[0]
    assert request.body == b""


def test_non_2xx_is_not_ok(settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", status=500, body="nope")
    result = webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET")
    assert (result.ok, result.status_code, result.text) == (False, 500, "nope")


def test_redirect_is_not_followed(settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", status=302, headers={"Location": "http://169.254.169.254/"})
    result = webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET")
    assert (result.ok, result.status_code) == (False, 302)
    assert len(http_server.requests) == 1


def test_network_error_is_a_result(settings: Settings, http_server: LocalHTTPServer) -> None:
    url = f"http://127.0.0.1:{http_server.port}/hook"
    http_server.stop()
    try:
        result = webhook.call_webhook(settings=settings, url=url, method="GET", timeout=2)
    finally:
        http_server.start()
    assert result.status_code is None and not result.ok
    assert result.error


def test_unicode_payload_round_trips(settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", method="POST", body="ok")
    webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="POST", payload={"k": "日本"})
    assert http_server.requests[0].json() == {"k": "日本"}


def test_output_bound_is_a_setting(database_url: str, http_server: LocalHTTPServer) -> None:
    from tests.conftest import make_settings

    http_server.on("/hook", body="y" * 500)
    settings = make_settings(database_url, OUTBOUND_MAX_OUTPUT_CHARS=20)
    result = webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET")
    assert result.text == "y" * 20


def test_cookies_set_by_a_target_are_never_sent_back(settings: Settings, http_server: LocalHTTPServer) -> None:
    """One pooled client serves every user's jobs: it must not carry one call's cookies
    into the next."""
    http_server.on("/hook", body="ok", headers={"Set-Cookie": "session=job-a-secret; Path=/"})
    for _ in range(2):
        webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET")
    assert [request.headers.get("Cookie") for request in http_server.requests] == [None, None]
