"""One id per request, carried from the edge into the logs of both stacks.

    rid = accept(header_value) or new()   # a client's/nginx's X-Request-ID, or a fresh one
    token = bind(rid)                     # the current request's id (a contextvar)
    current()                             # -> rid, in the gateway, FastAPI and Flask alike
    reset(token)

    rid, authorization = from_headers(scope["headers"])   # one pass: the id and the token
    answer = Echo(send, rid)              # echoes X-Request-ID, remembers the status

A contextvar rather than a header lookup per log call: the gateway binds it once, the
v2 app runs in the same task and a2wsgi copies the context into Flask's thread, so the
fault logs and 500 bodies of both stacks name the id the client got back. A client's
value is only taken when it is short and plain (no spaces, quotes or control bytes):
it lands in JSON logs and response headers.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from contextvars import ContextVar, Token
from typing import Any

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
"""ASGI's `send`, spelled out here: shared_models imports no web framework."""

HEADER = b"x-request-id"
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new() -> str:
    """A fresh id: 32 hex digits."""
    return uuid.uuid4().hex


def accept(value: str | bytes | None) -> str | None:
    """`value` if it is usable as an id (1-128 chars of `[A-Za-z0-9._:@-]`), else None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value if _ACCEPTED.match(value) else None


def bind(value: str) -> Token[str | None]:
    return _current.set(value)


def reset(token: Token[str | None]) -> None:
    _current.reset(token)


def current() -> str | None:
    """The current request's id (None outside a request)."""
    return _current.get()


def current_or_new() -> str:
    """The current id, or a fresh short one outside the gateway (e.g. an app served alone)."""
    return _current.get() or uuid.uuid4().hex[:12]


def from_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, bytes | None]:
    """(the request's id: the client's when `accept`able, else a fresh one; the
    Authorization value or None), in one pass over the ASGI headers."""
    request_id = authorization = None
    for name, value in headers:
        if name == HEADER:
            request_id = accept(value)
        elif name == b"authorization":
            authorization = value
    return request_id or new(), authorization


class Echo:
    """The ASGI `send` of a request: adds `X-Request-ID` to the answer's headers and
    keeps its status (500 until a response starts: what an exception amounts to)."""

    __slots__ = ("send", "header", "status")

    def __init__(self, send: Send, request_id: str) -> None:
        self.send = send
        self.header = (HEADER, request_id.encode())
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            message = {**message, "headers": [*message.get("headers", ()), self.header]}
        await self.send(message)


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` (or "-") so a formatter can print `%(request_id)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
