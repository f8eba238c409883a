"""Cron tools (§3.4.1-3.4.2): any signed-in user."""

from __future__ import annotations

from flask import Response

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.http import app_settings, commit_and_respond, json_body
from shared_models.contracts import parse_body
from shared_models.contracts.cron_tools import CronExpression, CronPreviewBody
from shared_models.services import cron_tools


@bp.post("/jobs/validate-cron")
@authenticated()
def validate_cron() -> tuple[Response, int]:
    return commit_and_respond(cron_tools.validate_cron(body=parse_body(CronExpression, json_body())))


@bp.post("/jobs/cron-preview")
@authenticated()
def cron_preview() -> tuple[Response, int]:
    return commit_and_respond(cron_tools.cron_preview(settings=app_settings(), body=parse_body(CronPreviewBody, json_body())))
