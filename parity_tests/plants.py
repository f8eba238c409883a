"""Planted divergences: wrappers around the v2 app that break parity on purpose.

The fuzz's self-test runs the CI fuzz (same seed, same budget) against each plant and
must find it; a plant the fuzz misses turns the self-test red. Each plant is an ASGI
wrapper built from the harness settings (`PLANTS[name](settings) -> wrap(app)`)::

    last-query-value   v2 takes the LAST value of a repeated query key (D19 undone)
    extra-key-on-write one write's answer (PUT /jobs/<id>, 2xx) gains a key
    extra-row-effect   PUT /notifications/read-all also marks other users' notifications read
    cache-header       GET /jobs answers with `Cache-Control: no-store`

`EXPECTED[name]` is the kind of difference (shrink.kinds) the plant must show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_models.db import make_engine
from shared_models.settings import Settings

Wrap = Callable[[ASGIApp], ASGIApp]


def _is(scope: Scope, method: str, path_start: str, path_end: str = "") -> bool:
    path = scope.get("path", "")
    return (scope["type"] == "http" and scope["method"] == method and path.startswith(path_start)
            and path.endswith(path_end))


def last_query_value(_settings: Settings) -> Wrap:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def planted(scope: Scope, receive: Receive, send: Send) -> None:
            query = scope.get("query_string", b"")
            if scope["type"] == "http" and b"&" in query:
                scope = {**scope, "query_string": b"&".join(reversed(query.split(b"&")))}
            await app(scope, receive, send)
        return planted
    return wrap


def extra_key_on_write(_settings: Settings) -> Wrap:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def planted(scope: Scope, receive: Receive, send: Send) -> None:
            if not (_is(scope, "PUT", "/api/v2/jobs/") and scope["path"].count("/") == 4):
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if 200 <= start["status"] < 300:
                    body = json.dumps({**json.loads(body), "planted": True}).encode()
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

            await app(scope, receive, capture)
        return planted
    return wrap


def extra_row_effect(settings: Settings) -> Wrap:
    engine = make_engine(settings)

    def wrap(app: ASGIApp) -> ASGIApp:
        async def planted(scope: Scope, receive: Receive, send: Send) -> None:
            status: list[int] = []

            async def watch(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])
                await send(message)

            await app(scope, receive, watch)
            if _is(scope, "PUT", "/api/v2/notifications/read-all") and status and status[0] == 200:
                with engine.begin() as connection:
                    connection.execute(text("UPDATE notifications SET is_read = :yes"), {"yes": True})
        return planted
    return wrap


def cache_header(_settings: Settings) -> Wrap:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def planted(scope: Scope, receive: Receive, send: Send) -> None:
            if not (_is(scope, "GET", "/api/v2/jobs") and scope["path"] == "/api/v2/jobs"):
                await app(scope, receive, send)
                return

            async def add(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message["headers"], (b"cache-control", b"no-store")]}
                await send(message)

            await app(scope, receive, add)
        return planted
    return wrap


PLANTS: dict[str, Callable[[Settings], Wrap]] = {
    "last-query-value": last_query_value,
    "extra-key-on-write": extra_key_on_write,
    "extra-row-effect": extra_row_effect,
    "cache-header": cache_header,
}
EXPECTED: dict[str, str] = {
    "last-query-value": "body",
    "extra-key-on-write": "body",
    "extra-row-effect": "db",
    "cache-header": "header cache-control",
}
