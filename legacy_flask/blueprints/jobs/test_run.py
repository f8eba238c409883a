"""POST /api/jobs/test-run (§3.4.3): a one-off call; writes nothing."""

from __future__ import annotations

from flask import Response

from legacy_flask.auth import authenticated, read_only
from legacy_flask.blueprints.jobs import bp
from legacy_flask.http import app_settings, commit_and_respond, json_body
from shared_models.contracts import parse_body
from shared_models.contracts.runs import TestRunBody
from shared_models.services.test_run import test_run as run_test


@bp.post("/jobs/test-run")
@read_only
@authenticated("admin", "user")
def test_run() -> tuple[Response, int]:
    return commit_and_respond(run_test(settings=app_settings(), body=parse_body(TestRunBody, json_body())), 200)
