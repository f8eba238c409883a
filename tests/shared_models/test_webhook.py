"""The webhook call against a real local server (§5.4, D11)."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer
from werkzeug import Response

from shared_models.outbound import webhook
from shared_models.settings import Settings


def test_post_sends_json_and_returns_bounded_text(settings: Settings, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST", json={"a": 1}).respond_with_data("x" * 5000, status=201)
    result = webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="POST", payload={"a": 1})
    assert result.ok and result.status_code == 201
    assert result.text == "x" * 1000


def test_get_sends_no_body(settings: Settings, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="GET").respond_with_data("pong")
    result = webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="GET")
    assert (result.ok, result.status_code, result.text) == (True, 200, "pong")
    request = httpserver.log[0][0]
    assert request.get_data() == b""


def test_non_2xx_is_not_ok(settings: Settings, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("nope", status=500)
    result = webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="GET")
    assert (result.ok, result.status_code, result.text) == (False, 500, "nope")


def test_redirect_is_not_followed(settings: Settings, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_response(
        Response("", status=302, headers={"Location": "http://169.254.169.254/"})
    )
    result = webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="GET")
    assert (result.ok, result.status_code) == (False, 302)
    assert len(httpserver.log) == 1


def test_network_error_is_a_result(settings: Settings, httpserver: HTTPServer) -> None:
    url = f"http://127.0.0.1:{httpserver.port}/hook"
    httpserver.stop()
    try:
        result = webhook.call_webhook(settings=settings, url=url, method="GET", timeout=2)
    finally:
        httpserver.start()
    assert result.status_code is None and not result.ok
    assert result.error


def test_unicode_payload_round_trips(settings: Settings, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="POST", payload={"k": "日本"})
    assert json.loads(httpserver.log[0][0].get_data()) == {"k": "日本"}


def test_output_bound_is_a_setting(database_url: str, httpserver: HTTPServer) -> None:
    from tests.conftest import make_settings

    httpserver.expect_request("/hook").respond_with_data("y" * 500)
    settings = make_settings(database_url, OUTBOUND_MAX_OUTPUT_CHARS=20)
    result = webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="GET")
    assert result.text == "y" * 20


def test_cookies_set_by_a_target_are_never_sent_back(settings: Settings, httpserver: HTTPServer) -> None:
    """One pooled client serves every user's jobs: it must not carry one call's cookies
    into the next."""
    httpserver.expect_request("/hook").respond_with_response(
        Response("ok", headers={"Set-Cookie": "session=job-a-secret; Path=/"})
    )
    for _ in range(2):
        webhook.call_webhook(settings=settings, url=httpserver.url_for("/hook"), method="GET")
    assert [request.headers.get("Cookie") for request, _response in httpserver.log] == [None, None]
