"""Every v2 error leaves as the legacy JSON (D1, D2), from one module.

| raised                           | answer                                               |
|----------------------------------|------------------------------------------------------|
| `ApiError`                       | `error.status`, `error.body`, `error.headers`        |
| `TokenError`                     | `error.status`, `{"msg": ...}`                       |
| unknown path                     | 404 `NOT_FOUND_BODY`                                 |
| wrong method                     | 405 `method_not_allowed_body` + `Allow`              |
| OPTIONS on a known path          | 200, empty body, `Allow` (Flask's automatic answer)  |
| `RequestValidationError`         | `contract_error`: the legacy 400 (never a 422)       |
| anything else                    | 500 `{"error", "message", "request_id"}`, logged     |
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_app import read_path
from fastapi_app.http_methods import allowed_methods, request_method
from fastapi_app.responses import LegacyJSONResponse
from shared_models import request_ids
from shared_models.contracts import contract_error
from shared_models.errors import (
    INTERNAL_ERROR,
    NOT_FOUND_BODY,
    ApiError,
    TokenError,
    method_not_allowed_body,
)
from shared_models.settings import Settings

log = logging.getLogger("fastapi_app")


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(TokenError, _token_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]


async def _api_error(_request: Request, error: ApiError) -> Response:
    return LegacyJSONResponse(error.body, status_code=error.status, headers=error.headers or None)


async def _token_error(_request: Request, error: TokenError) -> Response:
    return LegacyJSONResponse(error.body, status_code=error.status)


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if error.status_code == 404:
        return LegacyJSONResponse(NOT_FOUND_BODY, status_code=404)
    if error.status_code == 405:
        return _method_not_allowed(request)
    # Raised by FastAPI itself (e.g. an unreadable body); worded like Werkzeug's errors.
    phrase = HTTPStatus(error.status_code).phrase
    return LegacyJSONResponse(
        {"error": phrase, "message": error.detail}, status_code=error.status_code, headers=error.headers
    )


def _method_not_allowed(request: Request) -> Response:
    methods = allowed_methods(request.app.router.routes, request.scope)
    allow = {"Allow": ", ".join(methods)}
    method = request_method(request.scope)
    if method == "OPTIONS":
        # Flask answers OPTIONS on any known path itself; CORS headers are added around it.
        return Response(b"", status_code=200, headers=allow, media_type="text/html; charset=utf-8")
    return LegacyJSONResponse(method_not_allowed_body(method), status_code=405, headers=allow)


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    """A query contract refused (bodies are validated by `ContractBody`, which raises the
    `ApiError` itself): the legacy answer, from the one translator, once the token's
    owner is known to be valid (the legacy's order)."""
    try:
        await read_path.owner_checked(request)
    except TokenError as refused:  # a handler's own exception would not reach its handler
        return await _token_error(request, refused)
    return await _api_error(request, contract_error(error.errors()))


def fault_response(scope: Scope, error: BaseException, settings: Settings) -> Response:
    """500 as legacy_flask/errors.py `_fault`: logged with a request id the client sees."""
    request_id = request_ids.current_or_new()  # the X-Request-ID the client got back
    log.error(
        "Unhandled error (request %s) on %s %s",
        request_id, request_method(scope), scope.get("path"), exc_info=error,
    )
    message = str(error) if settings.EXPOSE_ERROR_DETAILS else INTERNAL_ERROR
    return LegacyJSONResponse(
        {"error": INTERNAL_ERROR, "message": message, "request_id": request_id}, status_code=500
    )


class FaultMiddleware:
    """Turn an unhandled exception into the 500 JSON answer.

    A middleware rather than an `Exception` handler: Starlette runs those outside every
    user middleware, so the 500 would miss its CORS headers. Sits inside the CORS
    middleware. An exception after the response started is re-raised (nothing to fix).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started:
                raise
            await fault_response(scope, error, self.settings)(scope, receive, send)
