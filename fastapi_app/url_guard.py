"""NUL in the URL is refused before routing, as the legacy app does it.

PostgreSQL cannot even receive a NUL byte as a parameter, so the legacy app checks the
decoded path and every query value first (`shared_models.requests.check_url_text`, run
in its `before_request`): NUL in the path → 404 generic JSON, in a query value → 400
invalid payload. `UrlGuardMiddleware` is the same check for v2, placed inside the CORS
and HEAD middlewares (the refusal gets CORS headers; a HEAD gets no body) and before any
route, dependency or session is touched.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_app.responses import LegacyJSONResponse
from shared_models.errors import ApiError
from shared_models.requests import check_url_text


def query_values(query_string: bytes) -> list[str]:
    """Every query value, percent-decoded as Starlette's `request.query_params` decodes them."""
    return [value for _key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)]


def may_hold_nul(query_string: bytes) -> bool:
    """A decoded query value can only hold NUL if the raw string holds it or `%00`: most
    requests skip parsing their query here (`parse_qsl` never raises for any input)."""
    return b"\x00" in query_string or b"%00" in query_string


class UrlGuardMiddleware:
    """Answer the `check_url_text` refusal instead of calling the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                query = scope.get("query_string", b"")
                check_url_text(scope.get("path", ""), query_values(query) if may_hold_nul(query) else [])
            except ApiError as error:
                response = LegacyJSONResponse(error.body, status_code=error.status, headers=error.headers or None)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
