"""The one ASGI entry point: `uvicorn gateway:app`.

Routes, in this order (prefixes match whole path segments: `/api/v2x` is a legacy path,
`/apix` no API path at all):

    /api/v2, /api/v2/...   FastAPI                                   X-Served-By: fastapi
    /api,    /api/...      per legacy route, from its cutover flag:
                             legacy  -> Flask                        X-Served-By: legacy
                             shadow  -> Flask; GET/HEAD replayed on FastAPI afterwards
                             canary  -> FastAPI for N % of callers (sticky), Flask for the rest
                             fastapi -> FastAPI, path rewritten /api/x -> /api/v2/x
                           paths no route matches (404, 405, OPTIONS) -> Flask
                           Flask retired -> every /api/* path on FastAPI, Flask never imported
    anything else          404 JSON

Dispatch reads an in-memory flag snapshot (`cutover.snapshot`), refreshed from the shared
DB every ~0.5 s by a task of the gateway's own lifespan, which also starts the scheduler
candidate and runs FastAPI's lifespan (mounted apps get none). A burst of FastAPI 5xx on
a canary/fastapi route flips it back to legacy (`cutover.rollback`, audited as "gateway").
The lifespan also runs the rollout judge (`cutover.judge`; one judges at a time across
workers and replicas). The machinery lives in `cutover/`; this module only routes.
Settings: `cutover.config`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from cutover.admin_api import include_admin_api
from cutover.asgi import Recorder, served_by
from cutover.config import CutoverConfig
from cutover.dispatch import decide, v2_scope
from cutover.flags import auto_rollback
from cutover.judge import Judge, Outcome
from cutover.registry import LEGACY_PREFIX, V2_PREFIX, Registry, build_registry, describe, twin_keys
from cutover.rollback import ErrorBursts
from cutover.shadow import SAFE_METHODS, ShadowReplayer
from cutover.snapshot import FlagRefresher
from fastapi_app import create_app as create_fastapi_app
from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.errors import NOT_FOUND_BODY
from shared_models.settings import Settings, get_settings

log = logging.getLogger("gateway")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    body = json.dumps(NOT_FOUND_BODY).encode()
    await send({
        "type": "http.response.start",
        "status": 404,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """Route by prefix and cutover flag; own the process-wide lifespan."""

    def __init__(self, settings: Settings, config: CutoverConfig | None = None) -> None:
        self.settings = settings
        self.config = config or CutoverConfig.from_settings(settings)
        self.v2: ASGIApp = create_fastapi_app(settings)  # prepares the database
        self.v2_app = self.v2  # the FastAPI object itself (tests may wrap `v2`)
        self.engine = make_engine(settings)
        self.sessions = make_sessionmaker(self.engine)
        self.flags = FlagRefresher(self.sessions, interval=self.config.refresh_interval)
        try:
            self.flags.refresh()
        except Exception:  # noqa: BLE001 - the lifespan retries and fails loudly
            log.exception("cutover flags unreadable at construction")
        self.legacy: ASGIApp | None = None
        self.registry: Registry | None = None
        include_admin_api(self.v2_app, twin_keys(self.v2_app))
        if not self.flask_retired:
            self._load_legacy()
        self.shadow = ShadowReplayer(
            lambda scope, receive, send: self.v2(scope, receive, send), self.sessions,
            concurrency=self.config.shadow_concurrency, sample_rate=self.config.shadow_sample_rate,
            keep=self.config.shadow_keep,
        )
        self.bursts = ErrorBursts(errors=self.config.rollback_errors, window=self.config.rollback_window)
        self._background: set[asyncio.Task[Any]] = set()
        self.judge = Judge(self.sessions, interval=self.config.judge_interval, lease_seconds=self.config.judge_lease,
                           on_change=self._judged) if self.config.judge_enabled else None

    @property
    def flask_retired(self) -> bool:
        """The env setting at start-up, or the `flask_retired` switch in the DB (live)."""
        return self.config.flask_retired or self.flags.table.flask_retired

    def _load_legacy(self) -> None:
        # The only place Flask (and its WSGI bridge) is imported: never, while Flask is retired.
        from cutover.wsgi import legacy_asgi
        from legacy_flask import create_app as create_flask_app

        flask_app = create_flask_app(self.settings, prepare=False)
        self.registry = build_registry(flask_app, self.v2_app)
        self.v2_app.state.cutover_route_keys = self.registry.keys()  # the admin API's known keys
        self.legacy = legacy_asgi(flask_app, workers=self.settings.DATABASE_POOL_SIZE,
                                  queue=self.config.legacy_queue)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        path = scope.get("path", "")
        if _under(path, V2_PREFIX):  # before /api: /api/v2 is under /api too
            await self.v2(scope, receive, served_by(send, "fastapi"))
        elif _under(path, LEGACY_PREFIX):
            await self._legacy_path(scope, receive, send)
        elif scope["type"] == "http":
            await _not_found(scope, receive, send)

    async def _legacy_path(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.flask_retired:
            await self.v2(v2_scope(scope), receive, served_by(send, "fastapi"))
            return
        if self.legacy is None or self.registry is None:
            self._load_legacy()  # started retired, un-retired since: load Flask once
        assert self.legacy is not None and self.registry is not None
        # Flask's answers carry `X-Served-By: legacy` from cutover.wsgi itself.
        if self.flags.table.all_legacy:  # the common case before a cutover: no route to match
            await self.legacy(scope, receive, send)
            return
        pair = self.registry.match(scope.get("method", ""), scope["path"]) if scope["type"] == "http" else None
        if pair is None or pair.v2_path is None:
            await self.legacy(scope, receive, send)
            return
        flag = self.flags.table.state(pair.key)
        if decide(flag, scope) == "fastapi":
            await self._fastapi(pair.key, scope, receive, send)
        elif flag[0] == "shadow" and scope["method"] in SAFE_METHODS and self.shadow.sampled():
            replay = dict(scope)
            answer = Recorder(send)
            await self.legacy(scope, receive, answer)
            if answer.complete.is_set():
                self.shadow.submit(pair.key, replay, answer)
        else:
            await self.legacy(scope, receive, send)

    async def _fastapi(self, route_key: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a legacy route on its v2 twin and watch its answers for a 5xx burst."""
        answer = Recorder(served_by(send, "fastapi"), keep_body=False)
        try:
            await self.v2(v2_scope(scope), receive, answer)
        except Exception:
            self._watch(route_key, 500)
            raise
        self._watch(route_key, answer.status or 500)

    def _watch(self, route_key: str, status: int) -> None:
        if self.bursts.record(route_key, status):
            self._roll_back(route_key)

    def _roll_back(self, route_key: str) -> None:
        self.flags.override(route_key, "legacy")  # this worker stops at once
        reason = f"auto-rollback: {self.bursts.describe()} (pid {os.getpid()})"
        task = asyncio.create_task(anyio.to_thread.run_sync(self._persist_rollback, route_key, reason))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _persist_rollback(self, route_key: str, reason: str) -> None:
        with self.sessions() as session:
            begin_write(session)
            flipped = auto_rollback(session=session, route_key=route_key, reason=reason)
            session.commit()
        if flipped:
            log.warning("%s flipped back to legacy: %s", route_key, reason)

    def _judged(self, outcome: Outcome) -> None:
        """The judge moved a flag: this worker follows at once (the others at their refresh)."""
        self.flags.override(outcome.route_key, *outcome.flag)

    @asynccontextmanager
    async def _shared_resources(self) -> AsyncIterator[None]:
        if self.registry is not None:
            for line in describe(self.registry):
                if line.startswith("unpaired"):
                    log.warning("route map: %s", line)
        await anyio.to_thread.run_sync(self.flags.refresh)
        refresher = asyncio.create_task(self.flags.run())
        if self.judge is not None:
            self.judge.start()
        scheduler = None
        if self.settings.SCHEDULER_ENABLED:
            from scheduler import start_candidate

            scheduler = start_candidate(self.settings)
        try:
            async with self.v2_app.router.lifespan_context(self.v2_app):  # type: ignore[attr-defined]
                yield
                await self.shadow.drain()
                await asyncio.gather(*list(self._background), return_exceptions=True)
        finally:
            if self.judge is not None:
                await self.judge.stop()
            refresher.cancel()
            if scheduler is not None:
                scheduler.stop()
            self.engine.dispose()

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


def create_gateway(settings: Settings | None = None, config: CutoverConfig | None = None) -> Gateway:
    return Gateway(settings or get_settings(), config)


def __getattr__(name: str) -> Any:
    # `uvicorn gateway:app` builds the app on first access, not at import time.
    if name == "app":
        globals()["app"] = create_gateway()
        return globals()["app"]
    raise AttributeError(name)
