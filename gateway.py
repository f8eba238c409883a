"""The one ASGI entry point: `uvicorn gateway:app`.

    /api/v2, /api/v2/...  ->  FastAPI (fastapi_app)
    /api,    /api/...     ->  Flask (legacy_flask), through a2wsgi
    anything else         ->  404 JSON

Prefixes match whole path segments only (`/api/v2x` is a legacy path, `/apix` is no
API path at all). The gateway's own lifespan starts what the process shares once (the
scheduler candidate) and runs FastAPI's lifespan, which mounted apps would not get.
Per-route cutover flags come later; today every legacy route is served by Flask.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from a2wsgi import WSGIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_app import create_app as create_fastapi_app
from legacy_flask import create_app as create_flask_app
from shared_models.errors import NOT_FOUND_BODY
from shared_models.settings import Settings, get_settings

log = logging.getLogger("gateway")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


class _TerminatedInput:
    """a2wsgi leaves `wsgi.input_terminated` unset, so Flask reads chunked bodies as empty."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.input_terminated"] = True
        return self.wsgi_app(environ, start_response)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    body = json.dumps(NOT_FOUND_BODY).encode()
    await send({
        "type": "http.response.start",
        "status": 404,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """Route by prefix; own the process-wide lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.v2 = create_fastapi_app(settings)
        flask_app = create_flask_app(settings, prepare=False)
        self.legacy: ASGIApp = WSGIMiddleware(
            _TerminatedInput(flask_app), workers=settings.DATABASE_POOL_SIZE
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        path = scope.get("path", "")
        if _under(path, "/api/v2"):
            await self.v2(scope, receive, send)
        elif _under(path, "/api"):
            await self.legacy(scope, receive, send)
        elif scope["type"] == "http":
            await _not_found(scope, receive, send)

    @asynccontextmanager
    async def _shared_resources(self) -> AsyncIterator[None]:
        scheduler = None
        if self.settings.SCHEDULER_ENABLED:
            from scheduler import start_candidate

            scheduler = start_candidate(self.settings)
        try:
            async with self.v2.router.lifespan_context(self.v2):
                yield
        finally:
            if scheduler is not None:
                scheduler.stop()

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            context = self._shared_resources()
            await context.__aenter__()
        except Exception as exc:
            log.exception("gateway start-up failed")
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await context.__aexit__(None, None, None)
        await send({"type": "lifespan.shutdown.complete"})


def create_gateway(settings: Settings | None = None) -> Gateway:
    return Gateway(settings or get_settings())


def __getattr__(name: str) -> Any:
    # `uvicorn gateway:app` builds the app on first access, not at import time.
    if name == "app":
        globals()["app"] = create_gateway()
        return globals()["app"]
    raise AttributeError(name)
