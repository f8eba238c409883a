"""What the operators observe, kept by the end state (`fastapi_app.main`) once the
gateway is gone: the same request id, log line and histogram, and `GET /metrics`.

    app.user_middleware.append(Middleware(RouteProbe))   # innermost: notes the route that ran
    app.add_middleware(ObserveMiddleware, routes=app)    # outermost

Per HTTP request: `X-Request-ID` accepted when plain, else a fresh one, echoed on the
answer and bound for the 500 bodies and fault logs (`shared_models.request_ids`); one
JSON line (`shared_models.request_log`, stack "fastapi", state "fastapi", user id = the
token's `sub` read unverified); one observation of
`http_server_request_duration_seconds` (`shared_models.metrics`). Under the gateway the
gateway observes instead (`create_app` installs none of this).

`route` is the gateway's label for the same request: the legacy route key of the v2
route that ran, `/api/v2/jobs/{job_id}` → `GET /api/jobs/<job_id>` for `/api/jobs/42` and
`/api/v2/jobs/42` alike (HEAD counts as GET); no route, or the wrong method → `unmatched`.
A v2-only route (no Flask twin, D17) has its key at both prefixes, as under the gateway.

Why a probe: the router notes the route in the scope it was handed, and the middlewares
between (HEAD, the query guard) hand on copies. The probe copies it into a slot the outer
middleware put in the scope (copies share it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_app.legacy_prefix import LEGACY_PREFIX, V2_PREFIX, under
from shared_models import metrics, request_ids
from shared_models.http_metrics import UNMATCHED, RequestDurations
from shared_models.request_log import Subjects, configure_request_log, log_request

METRICS_PATH = "/metrics"
STACK = STATE = "fastapi"
_SLOT = "cronjob.observed_route"
LABEL_CACHE = 4096  # (method, route) pairs; the method is the client's word, so bounded
_VARIABLE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_]+)?\}")


def route_label(method: str, path: str, methods: Iterable[str]) -> str:
    """The route key the gateway would log for `method` on the v2 route at `path` (its
    full template, `/api/v2/jobs/{job_id}`) answering `methods`; see the module doc."""
    method = "GET" if method == "HEAD" else method
    if method not in methods or not under(path, V2_PREFIX):
        return UNMATCHED  # a partial match: the router answers 405 (or OPTIONS' Allow)
    rule = _VARIABLE.sub(r"<\1>", path[len(V2_PREFIX):])
    return f"{method} {LEGACY_PREFIX}{rule}"


class RouteLabels:
    """`route_label` of the route object the router ran, remembered per (method, route).

    The router hands over the route as declared (`/jobs/{job_id}` in its APIRouter); its
    full path comes from FastAPI's route contexts (the cutover registry reads the same).
    The routes live as long as the app, so their ids are stable keys."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._paths: dict[int, tuple[str, frozenset[str]]] = {}
        self._labels: dict[tuple[str, int], str] = {}

    def __call__(self, method: str, route: object) -> str:
        if route is None:
            return UNMATCHED
        key = (method, id(route))
        try:
            return self._labels[key]
        except KeyError:
            if len(self._labels) >= LABEL_CACHE:
                self._labels.clear()
            label = self._labels[key] = self._label(method, route)
            return label

    def _label(self, method: str, route: object) -> str:
        if id(route) not in self._paths:  # first time, or a route added since
            self._paths = {
                id(context.original_route): (context.path, frozenset(context.methods or ()))
                for context in iter_route_contexts(list(self.app.routes))
                if isinstance(context.original_route, APIRoute) and context.include_in_schema
            }
        if id(route) not in self._paths:
            return UNMATCHED  # the docs, the OpenAPI schema: no route key
        return route_label(method, *self._paths[id(route)])


class RouteProbe:
    """Innermost middleware: after the router ran, the route it chose goes to the slot."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            slot = scope.get(_SLOT)
            if slot is not None:
                slot.append(scope.get("route"))


class ObserveMiddleware:
    """Outermost middleware of `fastapi_app.main`: request id, log line, histogram, /metrics."""

    def __init__(self, app: ASGIApp, *, routes: Any, metrics: bool = True, request_log: bool = True) -> None:
        self.app = app
        self._label = RouteLabels(routes)
        self.metrics = metrics
        self.request_log = request_log
        self._durations = RequestDurations()
        self._subject = Subjects()
        if request_log:
            configure_request_log()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH and self.metrics and scope["method"] in ("GET", "HEAD"):
            await metrics.send_exposition(scope, send)
            return
        started = time.perf_counter()
        request_id, authorization = request_ids.from_headers(scope["headers"])
        token = request_ids.bind(request_id)
        answer = request_ids.Echo(send, request_id)
        slot: list[object] = []
        try:
            await self.app({**scope, _SLOT: slot}, receive, answer)
        finally:
            request_ids.reset(token)
            self._observe(scope["method"], slot, answer.status, time.perf_counter() - started, request_id,
                          authorization)

    def _observe(self, method: str, slot: list[object], status: int, seconds: float, request_id: str,
                 authorization: bytes | None) -> None:
        route = self._label(method, slot[-1] if slot else None)
        if self.metrics:
            self._durations.observe(route, STACK, STATE, status, seconds)
        if self.request_log:
            user_id = self._subject(authorization) if authorization is not None else None
            log_request(request_id=request_id, method=method, route=route, stack=STACK, state=STATE,
                        status=status, seconds=seconds, user_id=user_id)
