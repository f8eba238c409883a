"""Headers set on every answer of an ASGI app, error answers of inner middleware included.

v2 adds `X-Content-Type-Options: nosniff` as legacy's after_request does
(`NOSNIFF`); the operator console adds its full set (`cutover.console.headers`).
Pure ASGI (not BaseHTTPMiddleware) so streaming and error answers get them too.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF: tuple[tuple[bytes, bytes], ...] = ((b"x-content-type-options", b"nosniff"),)


class ResponseHeadersMiddleware:
    """Set `headers` (lower-case name, value) on every response, replacing the inner app's."""

    def __init__(self, app: ASGIApp, headers: Sequence[tuple[bytes, bytes]] = NOSNIFF) -> None:
        self.app = app
        self.headers = list(headers)
        self.names = frozenset(name for name, _ in self.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in self.names]
                message = {**message, "headers": [*kept, *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
