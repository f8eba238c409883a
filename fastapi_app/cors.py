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
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RESOURCE = re.compile(r"/api/*")
METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
ALLOW_HEADERS = ("Content-Type", "Authorization")
EXPOSE_HEADERS = "Content-Type"
MAX_AGE = "3600"
_REGEX_HINTS = frozenset("*\\]?$^[]()")
ALLOW_ORIGIN = b"access-control-allow-origin"
REQUEST_HEADERS = frozenset(
    {b"origin", b"access-control-request-private-network", b"access-control-request-method",
     b"access-control-request-headers"}
)

Pattern = str | re.Pattern[str]


def _resolve(origin: str) -> Pattern:
    """Flask-CORS's reading of one configured origin: `*` → `.*`; regex-looking → regex."""
    origin = ".*" if origin == "*" else origin
    if _REGEX_HINTS.isdisjoint(origin):
        return origin
    return re.compile(origin, re.IGNORECASE)


def is_resource(path: str) -> bool:
    """`RESOURCE` matches the unquoted path; a path starting `/api` matches unquoted too."""
    return path.startswith("/api") or RESOURCE.match(unquote(path)) is not None


def request_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request headers CORS reads, first value of each (as `Headers.get`), in one pass."""
    found: dict[str, str] = {}
    for name, value in raw:
        if name in REQUEST_HEADERS:
            found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


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
        # Credentials forbid answering "*" to a request without Origin; a list answers its first.
        literals = sorted(o for o in self.origins if isinstance(o, str))
        self.no_origin = None if self.wildcard or not literals else literals[0]

    def allowed_origin(self, request_origin: str | None) -> str | None:
        """The `Access-Control-Allow-Origin` value, or None when CORS does not apply."""
        if request_origin:
            return request_origin if _matches(request_origin, self.origins) else None
        return self.no_origin

    def cors_headers(self, method: str, request: Mapping[str, str]) -> list[tuple[str, str]]:
        """The headers to add, from the request's (lower-case names, see `request_headers`)."""
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
        if scope["type"] != "http" or not is_resource(scope["path"]):
            await self.app(scope, receive, send)
            return
        extra = self.cors_headers(scope["method"], request_headers(scope["headers"]))
        if not extra:
            await self.app(scope, receive, send)
            return
        # As `MutableHeaders.append` writes them: lower-case latin-1 names.
        encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message["headers"])
                if all(name != ALLOW_ORIGIN for name, _value in headers):
                    headers.extend(encoded)
            await send(message)

        await self.app(scope, receive, send_with_cors)
