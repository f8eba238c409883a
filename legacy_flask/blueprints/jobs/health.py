from __future__ import annotations

from flask import Response, jsonify

from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from shared_models.services.health import health as health_service


@bp.get("/health")
def health() -> tuple[Response, int]:
    status, body = health_service(session=db.session)
    return jsonify(body), status
