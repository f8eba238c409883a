"""Every error leaves as JSON (D1, D2): service errors, HTTP errors, and faults."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from legacy_flask.allow import allowed_methods
from legacy_flask.extensions import db
from legacy_flask.http import app_settings
from shared_models import request_ids
from shared_models.errors import (
    INTERNAL_ERROR,
    NOT_FOUND_BODY,
    ApiError,
    TokenError,
    method_not_allowed_body,
    payload_too_large,
)

log = logging.getLogger("legacy_flask")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(TokenError, _token_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _fault)


def _api_error(error: ApiError) -> tuple[Response, int]:
    db.session.rollback()
    response = jsonify(error.body)
    response.headers.update(error.headers)
    return response, error.status


def _token_error(error: TokenError) -> tuple[Response, int]:
    """A JWT-layer refusal raised by a service (refresh reuse, D20): `{"msg": ...}`."""
    db.session.rollback()
    return jsonify(error.body), error.status


def _not_found(_error: NotFound) -> tuple[Response, int]:
    return jsonify(NOT_FOUND_BODY), 404


def _method_not_allowed(error: MethodNotAllowed) -> tuple[Response, int]:
    response = jsonify(method_not_allowed_body(request.method))
    response.headers["Allow"] = ", ".join(allowed_methods() or sorted(error.valid_methods or ()))
    return response, 405


def _too_large(_error: RequestEntityTooLarge) -> tuple[Response, int]:
    return _api_error(payload_too_large(request.max_content_length or 0))


def _http_error(error: HTTPException) -> tuple[Response, int]:
    status = error.code or 500
    return jsonify(error=error.name, message=error.description), status


def _fault(error: Exception) -> tuple[Response, int]:
    db.session.rollback()
    request_id = request_ids.current_or_new()  # the X-Request-ID the client got back
    log.exception("Unhandled error (request %s) on %s %s", request_id, request.method, request.path)
    message = str(error) if app_settings().EXPOSE_ERROR_DETAILS else INTERNAL_ERROR
    return jsonify(error=INTERNAL_ERROR, message=message, request_id=request_id), 500
