"""The one ASGI entry point: `uvicorn gateway:app`.

Routes, in this order (prefixes match whole path segments: `/api/v2x` is a legacy path,
`/apix` no API path at all):

    /api/v2, /api/v2/...   FastAPI                                   X-Served-By: fastapi
    /api,    /api/...      a v2-only route's /api path (D17: logout, verify, login/form;
                           CORS preflight included) -> FastAPI    X-Served-By: fastapi
                           per legacy route, from its cutover flag:
                             legacy  -> Flask                        X-Served-By: legacy
                             shadow  -> Flask; GET/HEAD replayed on FastAPI afterwards
                             canary  -> FastAPI for N % of callers (sticky), Flask for the rest
                             fastapi -> FastAPI, path rewritten /api/x -> /api/v2/x
                           paths no route matches (404, 405, OPTIONS) -> Flask
                           Flask retired -> every /api/* path on FastAPI, Flask never imported
                           a route with capture on (cutover.captures): a sample of its
                             exchanges is also recorded (cutover.capture), whoever serves it
    /ops, /ops/...         the operator console (`cutover.console`, admins only)
    /metrics               Prometheus text, every worker's (not proxied by nginx.conf)
    anything else          404 JSON

Every HTTP request runs under a request id (`X-Request-ID` from the client or nginx when
plain, else a fresh one; echoed on the answer, in both stacks' logs via
`shared_models.request_ids`) and is observed once (`cutover.observe`): the duration
histogram, one JSON log line, and, for legacy routes, the rollout window figures.

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
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from cutover.admin_api import include_admin_api
from cutover.asgi import Recorder, served_by
from cutover.capture import CaptureRecorder
from cutover.config import CutoverConfig
from cutover.console import create_console
from cutover.dispatch import decide, v2_scope
from cutover.flags import auto_rollback
from cutover.judge import Judge, Outcome
from cutover.metrics import publish_route_states
from cutover.observe import Observer, Seen
from cutover.registry import (
    LEGACY_PREFIX,
    V2_PREFIX,
    Registry,
    RoutePair,
    build_registry,
    describe,
    twin_keys,
)
from cutover.rollback import ErrorBursts
from cutover.shadow import SAFE_METHODS, ShadowReplayer
from cutover.snapshot import FlagRefresher
from fastapi_app import create_app as create_fastapi_app
from shared_models import metrics, request_ids
from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.errors import NOT_FOUND_BODY
from shared_models.http_metrics import UNMATCHED
from shared_models.request_log import Subjects, configure_request_log
from shared_models.settings import Settings, get_settings

log = logging.getLogger("gateway")
METRICS_PATH = "/metrics"
CONSOLE_PREFIX = "/ops"


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _v2_only_label(method: str, pair: RoutePair | None) -> str:
    """A v2-only route's key when the request runs it (HEAD runs GET), else `unmatched`:
    the label `fastapi_app.observe` gives the same request once the gateway is gone (a
    preflight or a wrong method is routed to FastAPI by the path, but runs no route)."""
    if pair is None or pair.method != ("GET" if method.upper() == "HEAD" else method.upper()):
        return UNMATCHED
    return pair.key


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
            keep=self.config.shadow_keep, queue=self.config.shadow_queue,
        )
        self.capture = CaptureRecorder(
            self.config.capture_dir, secret=settings.JWT_SECRET_KEY or "",
            file_bytes=self.config.capture_file_bytes, total_bytes=self.config.capture_total_bytes,
            queue_size=self.config.capture_queue, max_body=self.config.capture_max_body,
        )
        self.v2_app.state.capture_recorder = self.capture  # the admin API shows its figures
        self.console = create_console(settings, self.sessions, self.route_keys)
        self.bursts = ErrorBursts(errors=self.config.rollback_errors, window=self.config.rollback_window)
        self._background: set[asyncio.Task[Any]] = set()
        self.judge = Judge(self.sessions, interval=self.config.judge_interval, lease_seconds=self.config.judge_lease,
                           keep_hours=self.config.figures_keep_hours,
                           on_change=self._judged) if self.config.judge_enabled else None
        self.observer = Observer(self.sessions, slot_seconds=self.config.figures_slot_seconds,
                                 flush_interval=self.config.figures_flush_interval,
                                 metrics=self.config.metrics, request_log=self.config.request_log,
                                 batch=self.config.observe_batch)
        self._subject = Subjects()  # the token's `sub` for the request log
        if self.config.request_log:
            configure_request_log()

    @property
    def flask_retired(self) -> bool:
        """The env setting at start-up, or the `flask_retired` switch in the DB (live)."""
        return self.config.flask_retired or self.flags.table.flask_retired

    def route_keys(self) -> tuple[str, ...]:
        """Every legacy route key (the registry's; the v2 twins' while Flask is retired)."""
        return tuple(self.registry.keys()) if self.registry is not None else twin_keys(self.v2_app)

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
        elif scope["type"] != "http":
            await self._route(scope, receive, send, Seen())
        elif scope.get("path") == METRICS_PATH:
            await self._metrics(scope, send)
        else:
            await self._observed(scope, receive, send)

    async def _observed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one HTTP request under its request id, then observe it (cutover.observe)."""
        started = time.perf_counter()
        request_id, authorization = request_ids.from_headers(scope.get("headers", ()))
        user_id = self._subject(authorization) if authorization is not None else None
        token = request_ids.bind(request_id)
        answer = request_ids.Echo(send, request_id)
        seen = Seen()
        try:
            await self._route(scope, receive, answer, seen)
        finally:
            request_ids.reset(token)
            self.observer.observe(seen, status=answer.status, seconds=time.perf_counter() - started,
                                  request_id=request_id, user_id=user_id, method=scope.get("method", ""))

    async def _route(self, scope: Scope, receive: Receive, send: Send, seen: Seen) -> None:
        path = scope.get("path", "")
        if _under(path, V2_PREFIX):  # before /api: /api/v2 is under /api too
            seen.stack, seen.state = "fastapi", "direct"
            if self.registry is not None and scope["type"] == "http":
                method, legacy_path = scope.get("method", ""), LEGACY_PREFIX + path[len(V2_PREFIX):]
                pair = self.registry.match(method, legacy_path)
                seen.route = pair.key if pair is not None else _v2_only_label(
                    method, self.registry.match_v2_only(method, legacy_path))
            await self.v2(scope, receive, served_by(send, "fastapi"))
        elif _under(path, LEGACY_PREFIX):
            await self._legacy_path(scope, receive, send, seen)
        elif _under(path, CONSOLE_PREFIX):
            seen.stack = "console"
            await self.console(scope, receive, send)
        elif scope["type"] == "http":
            await _not_found(scope, receive, send)

    async def _legacy_path(self, scope: Scope, receive: Receive, send: Send, seen: Seen) -> None:
        if self.flask_retired:
            seen.stack, seen.state = "fastapi", "fastapi"
            if self.registry is not None and scope["type"] == "http":
                pair = self.registry.match(scope.get("method", ""), scope["path"])
                if pair is not None:
                    seen.route, seen.arm = pair.key, True
            await self.v2(v2_scope(scope), receive, served_by(send, "fastapi"))
            return
        if self.legacy is None or self.registry is None:
            self._load_legacy()  # started retired, un-retired since: load Flask once
        assert self.legacy is not None and self.registry is not None
        v2_only = self.registry.match_v2_only(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if v2_only is not None:  # D17: a v2-only route at its /api path, no twin, no flag
            seen.route, seen.stack, seen.state = _v2_only_label(scope["method"], v2_only), "fastapi", "direct"
            await self.v2(v2_scope(scope), receive, served_by(send, "fastapi"))
            return
        seen.stack, seen.state = "legacy", "legacy"
        # Flask's answers carry `X-Served-By: legacy` from cutover.wsgi itself. Every request
        # is matched, also with metrics and logs off: the window figures need its route key.
        pair = self.registry.match(scope.get("method", ""), scope["path"]) if scope["type"] == "http" else None
        if pair is None:
            await self.legacy(scope, receive, send)
            return
        rate = self.flags.captures.get(pair.key)  # capture is off everywhere by default
        if rate and self.capture.sampled(rate):
            receive, send = self.capture.tap(pair.key, scope, receive, send)
        flag = self.flags.table.state(pair.key)
        seen.route, seen.state, seen.arm = pair.key, flag[0], True
        if pair.v2_path is None:
            await self.legacy(scope, receive, send)
        elif decide(flag, scope) == "fastapi":
            seen.stack = "fastapi"
            await self._fastapi(pair.key, scope, receive, send)
        elif flag[0] == "shadow" and scope["method"] in SAFE_METHODS and self.shadow.sampled():
            replay = dict(scope)
            answer = Recorder(send)
            await self.legacy(scope, receive, answer)
            if answer.complete.is_set():
                self.shadow.submit(pair.key, replay, answer)
        else:
            await self.legacy(scope, receive, send)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        """GET /metrics: every worker's metrics (shared_models.metrics); nginx never proxies it."""
        if not self.config.metrics or scope.get("method") not in ("GET", "HEAD"):
            await _not_found(scope, None, send)  # type: ignore[arg-type]
            return
        keys = self.registry.keys() if self.registry is not None else tuple(self.flags.table.flags)
        publish_route_states(keys, dict(self.flags.table.flags), retired=self.flask_retired)
        self.observer.drain()  # this worker's counts are current; the others' at their next flush
        await metrics.send_exposition(scope, send)

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
                elif line.startswith("v2 only"):
                    log.info("route map: %s", line)
        await anyio.to_thread.run_sync(self.flags.refresh)
        refresher = asyncio.create_task(self.flags.run())
        judging = self.judge.start() if self.judge is not None else None
        self.observer.start()
        scheduler = None
        if self.settings.SCHEDULER_ENABLED:
            from scheduler import start_candidate

            scheduler = start_candidate(self.settings)
        try:
            async with self.v2_app.router.lifespan_context(self.v2_app):  # type: ignore[attr-defined]
                yield
                await self.shadow.close()
                await asyncio.gather(*list(self._background), return_exceptions=True)
        finally:
            if self.judge is not None and judging is not None:
                await self.judge.stop(judging)
            refresher.cancel()
            await anyio.to_thread.run_sync(self.capture.close)
            await anyio.to_thread.run_sync(self.observer.stop)
            metrics.mark_process_dead()
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
