"""D19: a repeated query parameter, the FIRST value wins (as Werkzeug's `MultiDict.get`).

Starlette's `request.query_params.get(key)` returns the LAST value of a repeated key,
so `?page=1&page=2` was page 2 on v2 and page 1 on legacy. Every v2 route reads its
query through `.get()`, so this layer rewrites the raw query string once, before
routing, keeping only the first occurrence of each key::

    b"page=1&per_page=2&page=2"  ->  b"page=1&per_page=2"
    b"a=&a=x"                    ->  b"a="           (an empty first value still wins)

Keys are compared decoded (`a+b`, `a%20b` and `a b` are one key, as both frameworks
decode them); the kept segments are passed on byte for byte.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send


def first_values(query_string: bytes) -> bytes:
    """`query_string` with every repeated key reduced to its first occurrence."""
    if b"&" not in query_string:
        return query_string  # one pair (or none) cannot repeat: the common case, untouched
    seen: set[str] = set()
    kept: list[bytes] = []
    for segment in query_string.split(b"&"):
        if not segment:
            continue
        key = unquote_plus(segment.split(b"=", 1)[0].decode("latin-1"), encoding="latin-1")
        if key in seen:
            continue
        seen.add(key)
        kept.append(segment)
    return b"&".join(kept)


class FirstQueryValueMiddleware:
    """Hand the app a query string in which each key appears once (its first value)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            reduced = first_values(query)
            if reduced != query:
                scope = {**scope, "query_string": reduced}
        await self.app(scope, receive, send)
