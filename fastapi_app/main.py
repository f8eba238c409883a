"""The end state: the FastAPI application alone, every route under `/api` and `/api/v2`.

    uvicorn fastapi_app.main:app

Why it exists before Flask retires: retiring Flask must be a deletion, so the app that
remains has to run (and be tested: tests/stacks.py stacks `main` and `main-v2`,
scripts/retire_flask.sh) while the gateway still serves production. It is the v2 factory
app plus two things the gateway otherwise provides:

- the legacy paths: `LegacyPrefixMiddleware` answers `/api/<rest>` with the `/api/v2/<rest>`
  route (the gateway's own rewrite, fastapi_app/legacy_prefix.py);
- a lifespan owning the engines (the v2 app's own) and the scheduler candidate
  (SCHEDULER_ENABLED), which the gateway's lifespan starts today;
- what operators observe (fastapi_app/observe.py): `X-Request-ID`, one JSON log line per
  request, the `http_server_request_duration_seconds` histogram and `GET /metrics`, as the
  gateway gives them (GATEWAY_METRICS and GATEWAY_REQUEST_LOG switch them off alike).

`app` is built on first access (not at import), as `gateway:app` is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.middleware import Middleware

from fastapi_app import create_app
from fastapi_app import lifespan as engines_lifespan
from fastapi_app.legacy_prefix import LegacyPrefixMiddleware
from fastapi_app.observe import ObserveMiddleware, RouteProbe
from shared_models.settings import Settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The engines for the app's life, and the scheduler candidate when it is enabled
    (stopped before the engines are disposed)."""
    settings: Settings = app.state.settings
    async with engines_lifespan(app):
        candidate = None
        if settings.SCHEDULER_ENABLED:
            from scheduler import start_candidate

            candidate = await anyio.to_thread.run_sync(start_candidate, settings)
        app.state.scheduler = candidate
        try:
            yield
        finally:
            if candidate is not None:
                await anyio.to_thread.run_sync(candidate.stop)


def create_main_app(settings: Settings | None = None, *, prepare: bool = True) -> FastAPI:
    """The v2 app serving the legacy paths too; `prepare=False` skips migrations and
    seeding (tests do it once)."""
    app = create_app(settings, prepare=prepare)
    app.router.lifespan_context = lifespan
    settings = app.state.settings
    app.user_middleware.append(Middleware(RouteProbe))  # innermost: sees the router's scope
    app.add_middleware(LegacyPrefixMiddleware)  # the last added is the outermost
    app.add_middleware(ObserveMiddleware, routes=app, metrics=settings.GATEWAY_METRICS,
                       request_log=settings.GATEWAY_REQUEST_LOG)
    return app


def __getattr__(name: str) -> Any:
    # `uvicorn fastapi_app.main:app` builds the app on first access, not at import time.
    if name == "app":
        globals()["app"] = create_main_app()
        return globals()["app"]
    raise AttributeError(name)
