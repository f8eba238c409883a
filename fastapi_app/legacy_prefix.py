"""The legacy paths on the v2 routes: `/api/<rest>` is answered as `/api/v2/<rest>`.

Why one adapter and not a second set of routes: the two prefixes must stay one contract.
`fastapi_app.main` serves the legacy paths through `LegacyPrefixMiddleware` (the end
state, Flask gone), and the cutover gateway sends a legacy request to its v2 twin with the
same `v2_scope`, so both rewrite a path byte for byte alike.

    v2_scope({"path": "/api/jobs/x", "raw_path": b"/api/jobs/x", ...})
        -> {"path": "/api/v2/jobs/x", "raw_path": b"/api/v2/jobs/x", ...}
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

LEGACY_PREFIX = "/api"
V2_PREFIX = "/api/v2"


def under(path: str, prefix: str) -> bool:
    """`path` is `prefix` itself or below it (`/apix` is not under `/api`)."""
    return path == prefix or path.startswith(prefix + "/")


def is_legacy_path(path: str) -> bool:
    """Under `/api` but not under `/api/v2` (which is under `/api` too)."""
    return under(path, LEGACY_PREFIX) and not under(path, V2_PREFIX)


def v2_scope(scope: Scope) -> Scope:
    """The same request addressed to the v2 twin: `/api/<rest>` → `/api/v2/<rest>`.

    `raw_path` (what the client sent, still percent-encoded) is rewritten the same way
    when it starts with `/api`; otherwise it is dropped so the decoded path is used.
    """
    path = scope["path"]
    new = dict(scope)
    new["path"] = V2_PREFIX + path[len(LEGACY_PREFIX):]
    raw = scope.get("raw_path")
    prefix = LEGACY_PREFIX.encode()
    if raw is not None:
        if raw == prefix or raw.startswith(prefix + b"/"):
            new["raw_path"] = V2_PREFIX.encode() + raw[len(prefix):]
        else:
            new.pop("raw_path")
    return new


class LegacyPrefixMiddleware:
    """Outermost middleware of `fastapi_app.main`: legacy paths become their v2 twins
    before anything else (CORS, HEAD, URL guard, routing) sees the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and is_legacy_path(scope["path"]):
            scope = v2_scope(scope)
        await self.app(scope, receive, send)
