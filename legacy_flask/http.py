"""Small request/response helpers every legacy view uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_jwt_extended import current_user

from legacy_flask.extensions import db
from shared_models.errors import payload_too_large
from shared_models.requests import JsonBody
from shared_models.settings import Settings


def json_body() -> JsonBody:
    """The request body for a shared service (parsed only when the service asks).

    JSON bodies have their own, smaller limit than uploads (MAX_CONTENT_LENGTH is the
    upload limit), the same one v2 enforces.
    """
    limit = app_settings().MAX_JSON_BODY_BYTES
    if (request.content_length or 0) > limit:
        raise payload_too_large(limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise payload_too_large(limit)
    return JsonBody(request.content_type, raw)


def commit_and_respond(body: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    """Commit the request's transaction, then answer `body` as JSON."""
    db.session.commit()
    return jsonify(body), status


def read(work: Callable[..., dict[str, Any]], **arguments: Any) -> tuple[Response, int]:
    """Answer a read of `shared_models.services` (`work(connection, *, user_id, settings,
    **arguments)`) on this request's connection: the same function v2's read path runs."""
    body = work(db.session.connection(), user_id=current_user.id, settings=app_settings(), **arguments)
    return commit_and_respond(body)


def app_settings() -> Settings:
    """The settings object this app was created with."""
    return current_app.extensions["cronjob_settings"]
