"""Flask behind the gateway: a2wsgi with its known pitfalls handled.

    legacy = legacy_asgi(flask_app, workers=settings.DATABASE_POOL_SIZE, queue=64)

- `wsgi.input_terminated` is set, or Flask reads chunked request bodies as empty.
- `X-Served-By: legacy` is added to Flask's headers in the WSGI thread (and to the 503
  below), not by an ASGI `send` wrapper around every request: ~3% of a small request.
- The thread pool is sized to the DB pool: more threads would only wait for a connection.
- a2wsgi hands every request to a `ThreadPoolExecutor`, whose queue is unbounded: under
  overload requests pile up in memory and are answered long after clients gave up.
  `BoundedAdmission` lets at most `workers + queue` requests in; the next one gets
  503 with `Retry-After: 1` at once (nginx or the client can retry on another replica).
- a2wsgi's responder blocks the WSGI thread on an event-loop round trip for every response
  message (start, each chunk, the final empty one): /api/health through the gateway ran at
  0.80-0.89x gunicorn's rate with it, 1.01-1.06x without (bench/gateway_overhead.py).
  `LegacyResponder` hands messages over without waiting while little is in flight, and
  keeps the blocking hand-over (back-pressure) for large or many-chunk bodies.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import a2wsgi
from a2wsgi.wsgi import WSGIMiddleware, WSGIResponder
from starlette.types import ASGIApp, Receive, Scope, Send

from cutover.asgi import SERVED_BY
from cutover.metrics import WSGI_BUSY, WSGI_QUEUE

SERVED_BY_LEGACY = ("X-Served-By", "legacy")
BUSY_BODY = {"error": "Service unavailable", "message": "The server is busy. Retry shortly."}


class LegacyWSGI:
    """Flask as the gateway runs it behind a2wsgi.

    a2wsgi leaves `wsgi.input_terminated` unset, so Flask reads chunked bodies as empty.
    Only bodies without a Content-Length are marked: for the others Werkzeug must keep
    limiting reads to the declared length, or a body of exactly MAX_CONTENT_LENGTH bytes
    is refused with 413 when Werkzeug reads once more to find its end.

    It also counts the threads running Flask (`busy`, the `gateway_wsgi_busy_threads`
    gauge) for the bridge's queue depth.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.busy = 0
        self.admitted = 0  # set by BoundedAdmission (loop thread)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("CONTENT_LENGTH"):
            environ["wsgi.input_terminated"] = True

        def tagged_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, SERVED_BY_LEGACY], exc_info)

        self._count(1)
        try:
            return self.wsgi_app(environ, tagged_start_response)
        finally:
            self._count(-1)

    def _count(self, step: int) -> None:
        with self._lock:
            self.busy += step
            self.publish()

    def publish(self) -> None:
        busy = self.busy
        WSGI_BUSY.set(busy)
        WSGI_QUEUE.set(max(0, self.admitted - busy))


# LegacyResponder overrides `send` and `sender` of a2wsgi's WSGIResponder and relies on its
# `loop`, `send_queue` and `__call__` (which puts the `None` sentinel after the WSGI call).
# Written against this version (pinned in requirements.txt); re-read a2wsgi/wsgi.py to bump.
A2WSGI_VERSION = "1.10.10"
if a2wsgi.__version__ != A2WSGI_VERSION:  # fail at start-up, not with a subtly broken bridge
    raise ImportError(f"cutover.wsgi was written for a2wsgi {A2WSGI_VERSION}, found {a2wsgi.__version__}")

HANDOVER_BYTES = 64 * 1024  # body bytes the WSGI thread may have in flight without waiting


class LegacyResponder(WSGIResponder):
    """a2wsgi's responder without a blocking thread -> loop round trip per message.

    a2wsgi's `send` waits in the WSGI thread until the loop has queued each message. Here
    the thread hands a message over with `call_soon_threadsafe` (the loop runs those in
    order, and before the end of the WSGI call, after which a2wsgi queues its `None`
    sentinel) while at most `send_queue_size` messages and `HANDOVER_BYTES` of body are
    unsent. Past that it falls back to a blocking hand-over that waits until the loop has
    sent everything queued, so a large streamed body stays within those bounds as it did
    in a2wsgi's bounded queue. If the server's `send` fails, that hand-over raises in the
    thread (a2wsgi's would block forever on its full queue).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = self.send_queue.maxsize
        self.send_queue: asyncio.Queue[Any] = asyncio.Queue()  # bounded by `send` instead
        # (messages, body bytes). One writer each (thread: handed, loop: sent): no lock.
        self.handed = (0, 0)
        self.sent = (0, 0)
        self.drained: asyncio.Future[None] | None = None
        self.broken = False

    def send(self, message: Any) -> None:
        messages, size = self.handed
        self.handed = (messages + 1, size + len(message.get("body", b"")))
        sent_messages, sent_size = self.sent
        if messages + 1 - sent_messages <= self.limit and self.handed[1] - sent_size <= HANDOVER_BYTES:
            self.loop.call_soon_threadsafe(self.send_queue.put_nowait, message)
        else:
            asyncio.run_coroutine_threadsafe(self._send_and_drain(message), self.loop).result()

    async def _send_and_drain(self, message: Any) -> None:
        if self.broken:
            raise ConnectionError("the response could not be sent")
        self.drained = self.loop.create_future()
        self.send_queue.put_nowait(message)
        await self.drained

    async def sender(self, send: Send) -> None:  # type: ignore[override]
        """Send the handed-over messages in order; the head waits for the first body part.

        The head and the first body part go out in one loop step (uvicorn writes each to
        the socket as it is sent, without yielding), never with a loop step between them:
        a replica killed after the head but before the body left nginx with a started
        200 it could not retry on the other replica (a failed GET through the edge).
        """
        try:
            while (message := await self.send_queue.get()) is not None:
                if message["type"] == "http.response.start" and self.drained is None:
                    following = await self.send_queue.get()  # (a head is never a blocking hand-over)
                    await self._send_one(send, message)
                    if following is None:  # a2wsgi's sentinel: the WSGI call ended after its head
                        break
                    message = following
                await self._send_one(send, message)
        except BaseException:
            self.broken = True
            if self.drained is not None:
                self.drained.set_exception(ConnectionError("the response could not be sent"))
            raise


    async def _send_one(self, send: Send, message: Any) -> None:
        await send(message)
        messages, size = self.sent
        self.sent = (messages + 1, size + len(message.get("body", b"")))
        if self.drained is not None and self.send_queue.empty():
            self.drained.set_result(None)
            self.drained = None


class LegacyWSGIMiddleware(WSGIMiddleware):
    """a2wsgi's middleware, answering HTTP with `LegacyResponder`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if scope["type"] == "http":
            responder = LegacyResponder(self.app, self.executor, self.send_queue_size)
            await responder(scope, receive, send)  # type: ignore[arg-type]
        else:
            await super().__call__(scope, receive, send)  # type: ignore[arg-type]


class BoundedAdmission:
    """At most `limit` HTTP requests inside `app` at once; the rest are refused with 503.

    With `threads` (the bridge's LegacyWSGI), the admitted requests not yet running on a
    thread are published as `gateway_wsgi_queue_depth`.
    """

    def __init__(self, app: ASGIApp, *, limit: int, threads: LegacyWSGI | None = None) -> None:
        self.app = app
        self.limit = limit
        self.threads = threads
        self.in_flight = 0  # one event loop per worker: no lock needed

    def _publish(self) -> None:
        if self.threads is not None:
            self.threads.admitted = self.in_flight
            self.threads.publish()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await _busy(send)
            return
        self.in_flight += 1
        self._publish()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self._publish()


async def _busy(send: Send) -> None:
    body = json.dumps(BUSY_BODY).encode()
    await send({
        "type": "http.response.start",
        "status": 503,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"1"), (SERVED_BY, b"legacy")],
    })
    await send({"type": "http.response.body", "body": body})


def legacy_asgi(flask_app: Any, *, workers: int, queue: int) -> BoundedAdmission:
    threads = LegacyWSGI(flask_app)
    wsgi = LegacyWSGIMiddleware(threads, workers=workers)
    return BoundedAdmission(wsgi, limit=workers + queue, threads=threads)
