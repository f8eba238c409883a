"""POST /api/jobs/bulk-upload (§3.5.6, D8): the multipart form handed to the shared service."""

from __future__ import annotations

from flask import Response, request
from flask_jwt_extended import current_user

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import app_settings, commit_and_respond
from shared_models.services.bulk_upload import bulk_upload


@bp.post("/jobs/bulk-upload")
@authenticated("admin", "user")
def upload_jobs() -> tuple[Response, int]:
    # Flask's MAX_CONTENT_LENGTH answers an oversized body with the JSON 413 first.
    upload = request.files.get("file")
    body = bulk_upload(
        session=db.session,
        settings=app_settings(),
        actor=current_user,
        filename=upload.filename if upload is not None else None,
        content=upload.read() if upload is not None else None,
        form=request.form,
    )
    return commit_and_respond(body)
