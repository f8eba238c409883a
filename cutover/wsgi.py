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
"""

from __future__ import annotations

import json
from typing import Any

from a2wsgi import WSGIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from cutover.asgi import SERVED_BY

SERVED_BY_LEGACY = ("X-Served-By", "legacy")
BUSY_BODY = {"error": "Service unavailable", "message": "The server is busy. Retry shortly."}


class LegacyWSGI:
    """Flask as the gateway runs it behind a2wsgi.

    a2wsgi leaves `wsgi.input_terminated` unset, so Flask reads chunked bodies as empty.
    Only bodies without a Content-Length are marked: for the others Werkzeug must keep
    limiting reads to the declared length, or a body of exactly MAX_CONTENT_LENGTH bytes
    is refused with 413 when Werkzeug reads once more to find its end.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("CONTENT_LENGTH"):
            environ["wsgi.input_terminated"] = True

        def tagged_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, SERVED_BY_LEGACY], exc_info)

        return self.wsgi_app(environ, tagged_start_response)


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
    await send({
        "type": "http.response.start",
        "status": 503,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"1"), (SERVED_BY, b"legacy")],
    })
    await send({"type": "http.response.body", "body": body})


def legacy_asgi(flask_app: Any, *, workers: int, queue: int) -> BoundedAdmission:
    wsgi = WSGIMiddleware(LegacyWSGI(flask_app), workers=workers)
    return BoundedAdmission(wsgi, limit=workers + queue)
