"""The test HTTP server itself: matching, ordering, delays, recording, restart."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.local_http import LocalHTTPServer, Reply


def test_answers_by_path_and_method_and_records_the_request(http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", method="POST", status=201, json={"ok": True}, headers={"X-Target": "t"})
    response = httpx.post(http_server.url("/hook?a=1&a=2&b="), json={"k": "日本"}, headers={"X-Caller": "c"})
    assert (response.status_code, response.json(), response.headers["x-target"]) == (201, {"ok": True}, "t")
    assert response.headers["content-type"] == "application/json"
    [request] = http_server.requests
    assert (request.method, request.path, request.query) == ("POST", "/hook", {"a": ["1", "2"], "b": [""]})
    assert request.headers["x-caller"] == "c" and request.headers.get("Cookie") is None
    assert request.json() == {"k": "日本"}


def test_unanswered_requests_get_a_500_naming_them(http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", method="POST")
    response = httpx.get(http_server.url("/hook"))
    assert (response.status_code, response.text) == (500, "no answer registered for GET /hook")
    assert [request.method for request in http_server.requests] == ["GET"]


def test_limited_answers_are_used_in_order(http_server: LocalHTTPServer) -> None:
    http_server.on("/gh", status=502, body="down", times=1)
    http_server.on("/gh", status=503, times=1)
    http_server.on("/gh", status=204)
    statuses = [httpx.post(http_server.url("/gh")).status_code for _ in range(4)]
    assert statuses == [502, 503, 204, 204]


def test_handler_and_delay(http_server: LocalHTTPServer) -> None:
    state = {"code": 500}
    http_server.on("/flip", handler=lambda request: Reply(state["code"], f"got {request.text}"))
    http_server.on("/slow", delay=0.3, body="late")
    assert httpx.post(http_server.url("/flip"), content=b"x").status_code == 500
    state["code"] = 200
    assert httpx.post(http_server.url("/flip"), content=b"y").text == "got y"
    started = time.monotonic()
    assert httpx.get(http_server.url("/slow")).text == "late"
    assert time.monotonic() - started >= 0.3  # a lower bound only: the delay was applied


def test_percent_escapes_are_decoded_for_matching_and_kept_raw(http_server: LocalHTTPServer) -> None:
    http_server.on("/a/../b", status=204)
    response = httpx.get(http_server.url("/a/..%2Fb"))
    assert response.status_code == 204 and response.content == b""
    assert http_server.requests[0].raw_path == "/a/..%2Fb"


def test_chunked_bodies_are_read(http_server: LocalHTTPServer) -> None:
    http_server.on("/upload", method="POST")
    httpx.post(http_server.url("/upload"), content=iter([b"ab", b"cd"]))
    [request] = http_server.requests
    assert request.headers["transfer-encoding"] == "chunked" and request.body == b"abcd"


def test_stopped_server_refuses_and_restarts_on_the_same_port(http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", body="ok")
    port = http_server.port
    with httpx.Client() as client:  # a pooling client must not reach a stopped server
        assert client.get(http_server.url("/hook")).text == "ok"
        http_server.stop()
        with pytest.raises(httpx.ConnectError):
            client.get(http_server.url("/hook"))
        http_server.start()
        assert http_server.port == port and client.get(http_server.url("/hook")).text == "ok"
