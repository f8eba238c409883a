"""HEAD and OPTIONS answered the way Flask/Werkzeug answers them (API_CONTRACT.md §0).

FastAPI routes accept only the methods they declare; Flask also answers HEAD for every
GET route and OPTIONS for every route. `HeadAsGetMiddleware` runs HEAD as GET without
the body; `allowed_methods` gives the `Allow` set of a path (used for 405 and OPTIONS
in `fastapi_app.errors`).
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ORIGINAL_METHOD = "cronjob.original_method"
"""Scope key holding the method the client sent, when the middleware rewrote it."""


def request_method(scope: Scope) -> str:
    """The method as the client sent it (HEAD stays HEAD in error messages)."""
    return str(scope.get(ORIGINAL_METHOD) or scope["method"])


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods of the most specific routes on this path, plus HEAD and OPTIONS as Flask adds them.

    Empty when no route has the path. Sorted, like the legacy `Allow` header on a 405.
    """
    probe = {**scope, "method": "GET", "type": "http"}
    by_specificity: dict[int, set[str]] = {}
    # FastAPI keeps included routers unflattened; iter_route_contexts yields their routes.
    for route in iter_route_contexts(list(routes)):
        match, _child = route.matches(probe)
        if match is not Match.NONE:
            variables = len(getattr(route, "param_convertors", {}))
            by_specificity.setdefault(variables, set()).update(getattr(route, "methods", None) or ())
    if not by_specificity:
        return []
    # Only the most specific routes describe the resource: `/jobs/validate-cron` is not
    # a `/jobs/{job_id}` (legacy_flask.allow applies the same rule).
    methods = by_specificity[min(by_specificity)]
    methods.add("OPTIONS")
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class HeadAsGetMiddleware:
    """Serve HEAD with the GET route: same status and headers, no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET", ORIGINAL_METHOD: "HEAD"}, receive, send_without_body)
