"""CORS exactly as the legacy Flask-CORS configuration answers it (API_CONTRACT.md §0).

Starlette's CORSMiddleware differs from Flask-CORS 6 in ways a browser notices
(preflights for unknown origins get 400 "Disallowed CORS origin", other allow-headers,
no `Expose-Headers`), so this module reproduces the Flask-CORS algorithm for the options
`legacy_flask.create_app` passes:

- resources: every path matching `/api/*` (so all of `/api/v2`), responses of every
  status (errors and 500s included);
- origins: `settings.cors_origins`; `*` (or any entry with regex characters) is a
  case-insensitive regex, other entries match case-insensitively as literals;
- a matching `Origin` is echoed (never `*`, credentials are on) with
  `Access-Control-Expose-Headers: Content-Type` and `Access-Control-Allow-Credentials:
  true`; without an `Origin` header, a wildcard config sends nothing and an explicit
  list sends its alphabetically first origin;
- an OPTIONS request whose `Access-Control-Request-Method` is one of GET, POST, PUT,
  DELETE, OPTIONS also gets `Access-Control-Allow-Headers` (the requested headers that
  are Content-Type or Authorization, sorted), `Access-Control-Max-Age: 3600` and
  `Access-Control-Allow-Methods: DELETE, GET, OPTIONS, POST, PUT`;
- `Vary: Origin` unless the configuration is one literal origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RESOURCE = re.compile(r"/api/*")
METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
ALLOW_HEADERS = ("Content-Type", "Authorization")
EXPOSE_HEADERS = "Content-Type"
MAX_AGE = "3600"
_REGEX_HINTS = frozenset("*\\]?$^[]()")

Pattern = str | re.Pattern[str]


def _resolve(origin: str) -> Pattern:
    """Flask-CORS's reading of one configured origin: `*` → `.*`; regex-looking → regex."""
    origin = ".*" if origin == "*" else origin
    if _REGEX_HINTS.isdisjoint(origin):
        return origin
    return re.compile(origin, re.IGNORECASE)


def _matches(value: str, patterns: Iterable[Pattern]) -> bool:
    for pattern in patterns:
        if isinstance(pattern, re.Pattern):
            if pattern.match(value):
                return True
        elif value.casefold() == pattern.casefold():
            return True
    return False


class LegacyCORSMiddleware:
    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.origins = [_resolve(origin) for origin in origins]
        self.wildcard = any(isinstance(o, re.Pattern) and o.pattern == ".*" for o in self.origins)
        self.vary = len(self.origins) > 1 or any(isinstance(o, re.Pattern) for o in self.origins)

    def allowed_origin(self, request_origin: str | None) -> str | None:
        """The `Access-Control-Allow-Origin` value, or None when CORS does not apply."""
        if request_origin:
            return request_origin if _matches(request_origin, self.origins) else None
        if self.wildcard:  # credentials forbid answering "*"
            return None
        literals = sorted(o for o in self.origins if isinstance(o, str))
        return literals[0] if literals else None

    def cors_headers(self, method: str, request: Headers) -> list[tuple[str, str]]:
        origin = self.allowed_origin(request.get("origin"))
        if origin is None:
            return []
        headers = [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Expose-Headers", EXPOSE_HEADERS),
            ("Access-Control-Allow-Credentials", "true"),
        ]
        if request.get("access-control-request-private-network") == "true":
            headers.append(("Access-Control-Allow-Private-Network", "false"))
        if method == "OPTIONS" and request.get("access-control-request-method", "").upper() in METHODS:
            requested = [h.strip() for h in request.get("access-control-request-headers", "").split(",")]
            allowed = sorted(h for h in requested if h and _matches(h, ALLOW_HEADERS))
            headers += [
                ("Access-Control-Allow-Headers", ", ".join(allowed)),
                ("Access-Control-Max-Age", MAX_AGE),
                ("Access-Control-Allow-Methods", ", ".join(sorted(METHODS))),
            ]
        if self.vary:
            headers.append(("Vary", "Origin"))
        return [(name, value) for name, value in headers if value]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not RESOURCE.match(unquote(scope["path"])):
            await self.app(scope, receive, send)
            return
        extra = self.cors_headers(scope["method"], Headers(scope=scope))
        if not extra:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "access-control-allow-origin" not in headers:
                    for name, value in extra:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_cors)
