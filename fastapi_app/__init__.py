"""The v2 API under `/api/v2` (API_CONTRACT.md + D17), as an application factory.

The app serves its full paths itself (`/api/v2/...`, docs at `/api/v2/docs`,
`/api/v2/redoc`, `/api/v2/openapi.json`), so the gateway can dispatch to it without
rewriting paths. Requests pass, outermost first:

    LegacyCORSMiddleware  CORS headers as Flask-CORS writes them, on every /api answer
    HeadAsGetMiddleware   HEAD served by the GET route, as Flask does
    UrlGuardMiddleware    NUL in the path → 404, in a query value → 400 (before routing)
    FirstQueryValueMiddleware  D19: a repeated query key keeps its first value only
    FaultMiddleware       unhandled exception → 500 JSON with a request id
    exception handlers    ApiError, TokenError, 404/405/OPTIONS, validation → legacy JSON
    routers               /api/v2/...

The async engine lives for the app's lifespan (`app.state.engine`,
`app.state.sessionmaker`). A parent app that mounts this one must enter
`app.router.lifespan_context(app)` itself: mounted apps' lifespans are not run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from fastapi_app.cors import LegacyCORSMiddleware
from fastapi_app.errors import FaultMiddleware, register_error_handlers
from fastapi_app.first_query_value import FirstQueryValueMiddleware
from fastapi_app.http_methods import HeadAsGetMiddleware
from fastapi_app.responses import LegacyJSONResponse
from fastapi_app.schemas.common import COMMON_RESPONSES
from fastapi_app.security_headers import ResponseHeadersMiddleware
from fastapi_app.url_guard import UrlGuardMiddleware
from shared_models.bootstrap import prepare_database
from shared_models.db import make_async_engine, make_async_sessionmaker, make_engine
from shared_models.settings import Settings, get_settings

API_PREFIX = "/api/v2"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the async engine for the app's life and dispose of it at shutdown."""
    engine = make_async_engine(app.state.settings)
    app.state.engine = engine
    app.state.sessionmaker = make_async_sessionmaker(engine)
    try:
        yield
    finally:
        await engine.dispose()
        # The sync engines of background job runs (routers/runs.py) and of the SQLite
        # read path (read_path.py), made on first use.
        for name in ("sync_engine", "read_engine"):
            sync_engine = getattr(app.state, name, None)
            if sync_engine is not None:
                sync_engine.dispose()


def create_app(settings: Settings | None = None, *, prepare: bool = True) -> FastAPI:
    """Build the v2 app; `prepare=False` skips migrations and seeding (tests do it once)."""
    settings = settings or get_settings()
    if prepare:
        engine = make_engine(settings)
        try:
            prepare_database(engine, settings)
        finally:
            engine.dispose()

    app = FastAPI(
        title="Cron job scheduler API v2",
        version="2.0.0",
        description="The `/api` resources under `/api/v2`, same statuses and JSON bodies.",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/redoc",
        openapi_url=f"{API_PREFIX}/openapi.json",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        default_response_class=LegacyJSONResponse,
        redirect_slashes=False,  # paths match exactly (§0); /api/v2/jobs/ is a 404
        responses=COMMON_RESPONSES,
        lifespan=lifespan,
    )
    app.state.settings = settings
    register_error_handlers(app)
    # add_middleware: the last one added is the outermost.
    app.add_middleware(FaultMiddleware, settings=settings)
    app.add_middleware(FirstQueryValueMiddleware)  # D19, before any route reads the query
    app.add_middleware(UrlGuardMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(LegacyCORSMiddleware, origins=settings.cors_origins)
    app.add_middleware(ResponseHeadersMiddleware)  # outermost: nosniff on every answer, errors included

    from fastapi_app.routers import (
        auth,
        auth_tokens,
        bulk_upload,
        catalog,
        cron_tools,
        executions,
        health,
        jobs,
        notifications,
        runs,
        users,
    )
    from fastapi_app.routers import settings as slack_settings  # not the `settings` argument

    # Routes are matched in this order: the hot reads first (matching walked every router
    # before them: ~8% of a notifications request). No two routers share a method + path.
    for router in (
        health.router,
        jobs.router,
        executions.router,
        notifications.router,
        auth.router,
        auth_tokens.router,
        users.router,
        slack_settings.router,
        catalog.router,
        cron_tools.router,
        runs.router,
        bulk_upload.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    return app
