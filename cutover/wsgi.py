"""Flask behind the gateway: a small WSGI bridge of our own, and bounded admission.

    legacy = legacy_asgi(flask_app, workers=settings.DATABASE_POOL_SIZE, queue=64)

`WSGIBridge` runs Flask in a pool of `workers` threads, sized to the DB pool (more threads
would only wait for a connection). Why not a2wsgi (which we used first): it hands every ASGI
message from the thread back to the event loop with a blocking round trip
(`run_coroutine_threadsafe(...).result()`), three per request (start, body, empty end), each a
new Task plus a concurrent Future. Measured on GET /api/health, one worker, 16 connections
(`bench/gateway_overhead.py`, 2-core machine): Flask under a2wsgi served ~0.92x the requests
per second of the same app under gunicorn, and ~0.81-0.91x through the gateway. This bridge
hands the answer over once, without waiting (~1.2-1.3x gunicorn on its own):

- a body with a Content-Length is buffered up to `FLUSH_BYTES` and, when complete (the
  common case: every `jsonify` answer), sent with its headers as one finished answer;
- a body without one (a streamed response) is passed on chunk by chunk as it is produced,
  at most `WINDOW` chunks ahead of the client (the thread waits on a semaphore);
- the request body is read only when the app reads `wsgi.input`, one `receive()` per
  chunk, so large uploads are never held whole in memory.

The environ is the one a2wsgi built (same keys, REMOTE_ADDR from the ASGI client, so from
X-Forwarded-For only when uvicorn runs with `--proxy-headers`; headers as HTTP_*;
`wsgi.errors` is stdout), plus `wsgi.input_terminated` for bodies without a Content-Length:
without it Flask reads chunked request bodies as empty. A body with a Content-Length is not
marked, so Werkzeug keeps limiting reads to the declared length (or a body of exactly
MAX_CONTENT_LENGTH bytes is refused with 413 when it reads once more).

A thread pool's queue is unbounded: under overload requests would pile up in memory and be
answered long after clients gave up. `BoundedAdmission` lets at most `workers + queue`
requests in; the next one gets 503 with `Retry-After: 1` at once (nginx or the client can
retry on another replica).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

BUSY_BODY = {"error": "Service unavailable", "message": "The server is busy. Retry shortly."}
FLUSH_BYTES = 64 * 1024
"""A body with a Content-Length is passed on in pieces of at least this size."""
WINDOW = 8
"""Streamed chunks the app may produce ahead of what the loop has sent."""

Headers = list[tuple[bytes, bytes]]
_ENVIRON_NAMES = {b"content-length": "CONTENT_LENGTH", b"content-type": "CONTENT_TYPE"}

log = logging.getLogger("gateway.wsgi")


class WSGIBridge:
    """Run `app` in a pool of `workers` threads; answer on the event loop."""

    def __init__(self, app: Callable[..., Iterable[bytes]], *, workers: int) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="WSGI")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the gateway runs the lifespan itself
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})  # Flask has none
            return
        exchange = _Exchange(asyncio.get_running_loop(), receive)
        self.executor.submit(exchange.run, self.app, environ_for(scope, exchange))
        try:
            status, headers, body, more = await exchange.first
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": more})
            while more:
                body, more = await exchange.next_chunk()
                await send({"type": "http.response.body", "body": body, "more_body": more})
        finally:
            exchange.abandon()


def environ_for(scope: Scope, body: Any) -> dict[str, Any]:
    """The WSGI environ of one ASGI HTTP request (PEP 3333; strings are latin-1 "bytes")."""
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    path_info = scope["path"].encode("utf8").decode("latin1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "asgi.scope": scope,
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope["query_string"].decode("ascii"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stdout,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client is not None:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope["headers"]:
        name = _ENVIRON_NAMES.get(raw_name) or "HTTP_" + raw_name.decode("latin1").upper().replace("-", "_")
        value = raw_value.decode("latin1")
        environ[name] = environ[name] + "," + value if name in environ else value
    if not environ.get("CONTENT_LENGTH"):
        environ["wsgi.input_terminated"] = True
    return environ


class _Exchange:
    """One request between the loop (`first`, `next_chunk`) and its worker thread (`run`).

    It is also the request's `wsgi.input`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, receive: Receive) -> None:
        self.loop = loop
        self.receive = receive
        self.first: asyncio.Future[tuple[int, Headers, bytes, bool]] = loop.create_future()
        self.status = 0
        self.headers: Headers = []
        self.length: int | None = None  # the response's Content-Length
        self.delivered = False
        self.abandoned = False
        # Request body, read from the worker thread.
        self.buffer = bytearray()
        self.more_input = True
        # Streamed response chunks (created when the first flush is not the whole answer).
        self.window: threading.Semaphore | None = None
        self.chunks: deque[tuple[bytes, bool] | BaseException] = deque()
        self.waiter: asyncio.Future[None] | None = None

    # --- worker thread -------------------------------------------------------------
    def run(self, app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> None:
        try:
            iterable = app(environ, self.start_response)
            try:
                self._respond(iterable)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # noqa: BLE001 - handed to the loop, which raises it
            self._hand_over(exc)

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[..., None]:
        if exc_info is not None and self.delivered:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.strip().lower().encode("latin1"), value.strip().encode("latin1")) for name, value in headers
        ]
        self.length = None
        for name, value in self.headers:
            if name == b"content-length" and value.isdigit():
                self.length = int(value)
        return self._write

    def _write(self, data: bytes) -> None:
        """The legacy `write()` callable: sent at once, as a chunk of its own."""
        if data:
            self._hand_over((bytes(data), True))

    def _respond(self, iterable: Iterable[bytes]) -> None:
        pending: list[bytes] = []
        size = sent = 0
        for chunk in iterable:
            if not chunk:
                continue
            pending.append(chunk)
            size += len(chunk)
            # With a Content-Length, wait for the end (or a full piece); without, stream.
            if self.length is None or (size >= FLUSH_BYTES and sent + size < self.length):
                self._hand_over((b"".join(pending), True))
                if self.abandoned:
                    return
                pending.clear()
                sent += size
                size = 0
        self._hand_over((b"".join(pending), False))

    def _hand_over(self, item: tuple[bytes, bool] | BaseException) -> None:
        """Pass a piece of the answer (or the app's exception) to the loop."""
        if not self.delivered:
            self.delivered = True
            if isinstance(item, BaseException):
                self.loop.call_soon_threadsafe(_fail, self.first, item)
            else:
                if item[1]:
                    self.window = threading.Semaphore(WINDOW)
                self.loop.call_soon_threadsafe(_resolve, self.first, (self.status, self.headers, *item))
            return
        if self.window is None:  # the answer was complete already: nothing may follow
            if isinstance(item, BaseException):
                log.error("WSGI app failed after its answer was complete", exc_info=item)
            return
        if self.abandoned:
            return
        self.window.acquire()
        if not self.abandoned:
            self.loop.call_soon_threadsafe(self._push, item)

    # --- event loop --------------------------------------------------------------------
    def _push(self, item: tuple[bytes, bool] | BaseException) -> None:
        self.chunks.append(item)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def next_chunk(self) -> tuple[bytes, bool]:
        while not self.chunks:
            self.waiter = self.loop.create_future()
            await self.waiter
        item = self.chunks.popleft()
        assert self.window is not None
        self.window.release()
        if isinstance(item, BaseException):
            raise item
        return item

    def abandon(self) -> None:
        """The loop is done with this answer (sent, failed or cancelled): unblock the thread."""
        self.abandoned = True
        if self.window is not None:
            self.window.release(WINDOW)

    # --- wsgi.input (worker thread) ------------------------------------------------------
    def _receive(self) -> None:
        if not self.more_input:
            return
        message = asyncio.run_coroutine_threadsafe(self.receive(), self.loop).result()
        self.buffer += message.get("body", b"")
        self.more_input = message.get("more_body", False)

    def read(self, size: int | None = -1) -> bytes:
        while self.more_input and (size is None or size < 0 or len(self.buffer) < size):
            self._receive()
        end = len(self.buffer) if size is None or size < 0 else size
        data = bytes(self.buffer[:end])
        del self.buffer[:end]
        return data

    def readline(self, limit: int | None = -1) -> bytes:
        while True:
            newline = self.buffer.find(b"\n")
            end = newline + 1 if newline >= 0 else len(self.buffer)
            if limit is not None and 0 <= limit < end:
                end = limit
            elif newline < 0 and self.more_input:
                self._receive()
                continue
            data = bytes(self.buffer[:end])
            del self.buffer[:end]
            return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class BoundedAdmission:
    """At most `limit` HTTP requests inside `app` at once; the rest are refused with 503."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0  # one event loop per worker: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await _busy(send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _busy(send: Send) -> None:
    body = json.dumps(BUSY_BODY).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def legacy_asgi(flask_app: Any, *, workers: int, queue: int) -> BoundedAdmission:
    return BoundedAdmission(WSGIBridge(flask_app, workers=workers), limit=workers + queue)
