"""Flask through the gateway's a2wsgi bridge (`cutover.wsgi.LegacyResponder`).

The responder hands response messages to the event loop without waiting while little is in
flight; these tests hold it to what a2wsgi's blocking hand-over guaranteed: order, complete
bodies, bounded buffering of a streamed body, and errors that end the answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import a2wsgi
import pytest
from flask import Flask, Response, request, stream_with_context
from starlette.testclient import TestClient

from cutover.wsgi import A2WSGI_VERSION, HANDOVER_BYTES, LegacyWSGI, LegacyWSGIMiddleware
from gateway import Gateway
from shared_models.errors import INTERNAL_ERROR

Message = dict[str, Any]


class Stream:
    """What a test route streams, and how far Flask got."""

    def __init__(self) -> None:
        self.chunk = 16 * 1024
        self.count = 64
        self.fail_after: int | None = None
        self.produced = 0  # bytes yielded by Flask's generator
        self.closed = False

    def chunks(self) -> Iterator[bytes]:
        try:
            for number in range(self.count):
                if self.fail_after is not None and number == self.fail_after:
                    raise RuntimeError("stream broke")
                self.produced += self.chunk
                yield bytes([number % 251]) * self.chunk
        finally:
            self.closed = True

    def expected(self) -> bytes:
        return b"".join(bytes([n % 251]) * self.chunk for n in range(self.count))


@pytest.fixture
def stream() -> Stream:
    return Stream()


@pytest.fixture
def bridged(gateway: Gateway, stream: Stream) -> Gateway:
    """The real gateway, its Flask app given a few test routes (unknown to the route map: legacy)."""
    assert gateway.legacy is not None
    middleware = gateway.legacy.app  # type: ignore[attr-defined]
    assert isinstance(middleware, LegacyWSGIMiddleware) and isinstance(middleware.app, LegacyWSGI)
    flask_app: Flask = middleware.app.wsgi_app

    def streamed() -> Response:
        return Response(stream_with_context(stream.chunks()), mimetype="application/octet-stream")

    def broken() -> Response:
        raise RuntimeError("boom")

    def echo() -> Response:
        data = request.get_data()
        return Response(json.dumps({"length": len(data), "chunked": request.headers.get("Transfer-Encoding"),
                                    "head": data[:16].decode()}), mimetype="application/json")

    flask_app.add_url_rule("/api/_bridge/stream", "bridge_stream", streamed)
    flask_app.add_url_rule("/api/_bridge/broken", "bridge_broken", broken)
    flask_app.add_url_rule("/api/_bridge/echo", "bridge_echo", echo, methods=["POST"])
    return gateway


def _scope(path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": [(b"host", b"testserver"), *(headers or [])], "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80)}


async def _call(app: Gateway, scope: dict[str, Any], send: Any, body: list[bytes] | None = None) -> None:
    parts = list(body or [b""])

    async def receive() -> Message:
        if parts:
            chunk = parts.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(parts)}
        await asyncio.Event().wait()  # a client that stays connected
        raise AssertionError("unreachable")

    await asyncio.wait_for(app(scope, receive, send), timeout=20)  # a hang fails, not blocks


def _check_order(messages: list[Message]) -> bytes:
    """One start first, then body messages, the last one alone without `more_body`."""
    assert messages[0]["type"] == "http.response.start"
    rest = messages[1:]
    assert rest and all(m["type"] == "http.response.body" for m in rest)
    assert [m.get("more_body", False) for m in rest] == [True] * (len(rest) - 1) + [False]
    return b"".join(m["body"] for m in rest)


def test_the_override_is_pinned_to_the_a2wsgi_it_was_written_for() -> None:
    assert a2wsgi.__version__ == A2WSGI_VERSION
    with open("requirements.txt") as pins:
        assert f"a2wsgi=={A2WSGI_VERSION}" in pins.read().split()


def test_a_legacy_answer_arrives_in_order_with_its_served_by(bridged: Gateway, client: TestClient) -> None:
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    client.portal.call(_call, bridged, _scope("/api/health"), send)
    body = _check_order(messages)
    assert messages[0]["status"] == 200 and (b"x-served-by", b"legacy") in messages[0]["headers"]
    assert json.loads(body)["status"] == "healthy"


@pytest.mark.parametrize(("chunk", "count"), [(16 * 1024, 64), (1, 400)], ids=["big-chunks", "tiny-chunks"])
def test_a_streamed_answer_arrives_complete_and_flask_stays_within_the_bounds(
    bridged: Gateway, client: TestClient, stream: Stream, chunk: int, count: int,
) -> None:
    stream.chunk, stream.count = chunk, count
    messages: list[Message] = []
    ahead: list[tuple[int, int]] = []  # (bytes, messages) Flask had produced and the client not yet received
    received = 0

    async def slow_send(message: Message) -> None:
        nonlocal received
        await asyncio.sleep(0.0005)  # a client slower than Flask
        messages.append(message)
        received += len(message.get("body", b""))
        ahead.append((stream.produced - received, (stream.produced - received) // chunk))

    client.portal.call(_call, bridged, _scope("/api/_bridge/stream"), slow_send)
    assert _check_order(messages) == stream.expected() and stream.closed
    assert (b"x-served-by", b"legacy") in messages[0]["headers"]
    limit = bridged.legacy.app.send_queue_size  # type: ignore[union-attr]  # a2wsgi's, 10 by default
    most_bytes, most_messages = max(b for b, _ in ahead), max(m for _, m in ahead)
    # Unsent: at most HANDOVER_BYTES (or `limit` messages) queued, plus the chunk Flask is yielding.
    assert most_bytes <= max(HANDOVER_BYTES, limit * chunk) + chunk
    assert most_messages <= limit + 1
    assert most_bytes > 0  # Flask did run ahead of the client: the hand-over does not wait per message


def test_a_flask_exception_gives_the_legacy_500_body(bridged: Gateway, client: TestClient) -> None:
    answer = client.get("/api/_bridge/broken")
    assert answer.status_code == 500 and answer.headers["x-served-by"] == "legacy"
    assert answer.json()["error"] == INTERNAL_ERROR and answer.json()["request_id"]
    assert client.get("/api/health").status_code == 200  # the bridge still serves


def test_an_error_mid_stream_ends_the_answer_without_hanging(
    bridged: Gateway, client: TestClient, stream: Stream,
) -> None:
    stream.fail_after = 3
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    with pytest.raises(RuntimeError, match="stream broke"):
        client.portal.call(_call, bridged, _scope("/api/_bridge/stream"), send)
    assert stream.closed and messages[0]["type"] == "http.response.start"
    assert all(m.get("more_body") for m in messages[1:])  # never told the client it was complete
    body = b"".join(m["body"] for m in messages[1:])
    assert stream.expected().startswith(body) and len(body) <= 3 * stream.chunk


def test_a_send_that_fails_stops_flask_instead_of_blocking_its_thread(
    bridged: Gateway, client: TestClient, stream: Stream,
) -> None:
    stream.count = 10_000  # 160 MiB if nothing stopped it
    sent = 0

    async def gone(message: Message) -> None:
        nonlocal sent
        if message["type"] == "http.response.body":
            raise OSError("client went away")
        sent += 1

    with pytest.raises(ConnectionError):
        client.portal.call(_call, bridged, _scope("/api/_bridge/stream"), gone)
    assert sent == 1 and stream.closed
    assert stream.produced <= HANDOVER_BYTES + 2 * stream.chunk
    assert client.get("/api/health").status_code == 200


def test_a_chunked_request_body_reaches_flask(bridged: Gateway, client: TestClient) -> None:
    parts = [b"0123456789abcdef" * 1024] * 8
    answer = client.post("/api/_bridge/echo", content=iter(parts))
    assert answer.status_code == 200 and answer.headers["x-served-by"] == "legacy"
    assert answer.json() == {"length": 8 * 16 * 1024, "chunked": "chunked", "head": "0123456789abcdef"}
    # The same body in several ASGI messages with a Content-Length.
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    length = str(sum(map(len, parts))).encode()
    scope = _scope("/api/_bridge/echo", "POST", [(b"content-length", length)])
    client.portal.call(_call, bridged, scope, send, parts)
    assert json.loads(_check_order(messages))["length"] == 8 * 16 * 1024
