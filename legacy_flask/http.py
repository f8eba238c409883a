"""Small request/response helpers every legacy view uses."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from legacy_flask.extensions import db
from shared_models.requests import JsonBody
from shared_models.settings import Settings


def json_body() -> JsonBody:
    """The request body for a shared service (parsed only when the service asks)."""
    return JsonBody(request.content_type, request.get_data(cache=True))


def commit_and_respond(body: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    """Commit the request's transaction, then answer `body` as JSON."""
    db.session.commit()
    return jsonify(body), status


def app_settings() -> Settings:
    """The settings object this app was created with."""
    return current_app.extensions["cronjob_settings"]
