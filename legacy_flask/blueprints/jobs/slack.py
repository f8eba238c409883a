"""Slack settings (§3.2): admin only."""

from __future__ import annotations

from flask import Response

from legacy_flask.auth import authenticated, writes
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import app_settings, commit_and_respond, json_body
from shared_models.contracts import parse_body
from shared_models.contracts.settings import SlackSettingsUpdate
from shared_models.services import slack


@bp.get("/settings/slack")
@authenticated("admin")
@writes  # creates the singleton row when it is missing
def get_slack_settings() -> tuple[Response, int]:
    return commit_and_respond(slack.get_slack_settings(session=db.session))


@bp.put("/settings/slack")
@authenticated("admin")
def update_slack_settings() -> tuple[Response, int]:
    update = parse_body(SlackSettingsUpdate, json_body())
    body = slack.update_slack_settings(session=db.session, settings=app_settings(), body=update)
    return commit_and_respond(body)
