"""The WSGI bridge under Flask: one hand-over per answer, streaming, request bodies, failures.

Small real Flask apps, driven with ASGI messages so each test sees exactly what the bridge
sends and when.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request, stream_with_context

from cutover.wsgi import WINDOW, WSGIBridge

Message = dict[str, Any]


def http_scope(method: str = "GET", path: str = "/", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"a=1&b=%C3%A9",
        "headers": headers or [], "client": ("203.0.113.7", 50123), "server": ("127.0.0.1", 8000),
    }


def body_messages(*chunks: bytes) -> list[Message]:
    return [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]


async def call(bridge: WSGIBridge, scope: dict, requests: list[Message] | None = None,
               on_send: Any = None) -> list[Message]:
    """Run one request through the bridge; returns every message it sent."""
    pending = list(requests or body_messages(b""))
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if on_send is not None:
            on_send(message)

    await bridge(scope, receive, send)
    return sent


def test_a_sized_answer_is_handed_over_once() -> None:
    app = Flask(__name__)
    seen: dict[str, Any] = {}

    @app.get("/")
    def index() -> Response:
        seen.update(request.environ)
        return jsonify(ok=True, args=request.args)

    sent = asyncio.run(call(WSGIBridge(app, workers=2), http_scope(headers=[
        (b"x-forwarded-for", b"198.51.100.1"), (b"accept", b"a"), (b"accept", b"b")])))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200 and (b"content-type", b"application/json") in sent[0]["headers"]
    assert sent[1]["more_body"] is False
    assert sent[1]["body"] == b'{"args":{"a":"1","b":"\\u00e9"},"ok":true}\n'
    assert seen["REMOTE_ADDR"] == "203.0.113.7" and seen["HTTP_X_FORWARDED_FOR"] == "198.51.100.1"
    assert seen["HTTP_ACCEPT"] == "a,b" and seen["wsgi.errors"] is sys.stdout
    assert seen["SERVER_NAME"] == "127.0.0.1" and seen["SERVER_PORT"] == "8000"
    assert seen["wsgi.input_terminated"] is True  # no Content-Length


def test_a_streamed_answer_reaches_the_client_chunk_by_chunk() -> None:
    app = Flask(__name__)
    first_sent = threading.Event()
    closed = threading.Event()

    @app.get("/")
    def stream() -> Response:
        def chunks() -> Iterator[bytes]:
            try:
                yield b"first,"
                # The client has the first chunk while the app is still producing.
                assert first_sent.wait(5)
                yield from (f"{i},".encode() for i in range(3 * WINDOW))
            finally:
                closed.set()

        return Response(stream_with_context(chunks()), mimetype="text/csv")

    def on_send(message: Message) -> None:
        if message.get("body") == b"first,":
            first_sent.set()

    sent = asyncio.run(call(WSGIBridge(app, workers=2), http_scope(), on_send=on_send))
    bodies = [m["body"] for m in sent[1:]]
    assert bodies[0] == b"first," and len(bodies) == 3 * WINDOW + 2  # every chunk, then the end
    assert b"".join(bodies) == b"first," + b"".join(f"{i},".encode() for i in range(3 * WINDOW))
    assert [m["more_body"] for m in sent[1:]] == [True] * (len(bodies) - 1) + [False]
    assert closed.wait(5)


def test_a_client_gone_mid_stream_releases_the_thread() -> None:
    app = Flask(__name__)
    produced = 0
    closed = threading.Event()

    @app.get("/")
    def endless() -> Response:
        def chunks() -> Iterator[bytes]:
            nonlocal produced
            try:
                while True:
                    produced += 1
                    yield b"x" * 10
            finally:
                closed.set()

        return Response(chunks())

    def on_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(call(WSGIBridge(app, workers=1), http_scope(), on_send=on_send))
    assert closed.wait(5)  # the generator was closed, not left waiting for the window
    assert produced <= 2 * WINDOW + 2  # and it never ran far ahead of the client


def test_request_bodies_are_read_as_the_app_asks() -> None:
    app = Flask(__name__)
    seen: dict[str, Any] = {}

    @app.post("/")
    def upload() -> Response:
        stream = request.stream
        seen["line"] = stream.readline()
        seen["five"] = stream.read(5)
        seen["rest"] = stream.read()
        seen["terminated"] = request.environ.get("wsgi.input_terminated")
        return jsonify(ok=True)

    pieces = (b"header,", b"line\nabc", b"defgh", b"ij")
    chunked = asyncio.run(call(WSGIBridge(app, workers=1), http_scope("POST"), body_messages(*pieces)))
    assert chunked[0]["status"] == 200
    assert seen == {"line": b"header,line\n", "five": b"abcde", "rest": b"fghij", "terminated": True}

    length = str(len(b"".join(pieces))).encode()
    sized = asyncio.run(call(WSGIBridge(app, workers=1), http_scope("POST", headers=[(b"content-length", length)]),
                             body_messages(*pieces)))
    assert sized[0]["status"] == 200
    assert seen == {"line": b"header,line\n", "five": b"abcde", "rest": b"fghij", "terminated": None}


def test_a_failing_app_raises_on_the_loop() -> None:
    def broken(environ: dict, start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(call(WSGIBridge(broken, workers=1), http_scope()))
