"""POST /api/jobs/<job_id>/execute (§3.5.7, D7): claim, commit, answer, run in the background."""

from __future__ import annotations

import threading

from flask import Response, current_app
from flask_jwt_extended import current_user

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import app_settings, commit_and_respond, json_body
from legacy_flask.mailer import FlaskMailMailer
from shared_models.contracts import parse_body
from shared_models.contracts.runs import ExecuteBody
from shared_models.db import make_sessionmaker
from shared_models.executor import RunOverrides, run_execution
from shared_models.services.execute import JobExpired, execute_now, runnable_job


def start_background_run(execution_id: str, overrides: RunOverrides | None) -> threading.Thread:
    """Run the committed execution in a daemon thread with its own sessions."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the thread has no app context
    thread = threading.Thread(
        target=run_execution,
        name=f"execution-{execution_id}",
        kwargs={
            "session_factory": make_sessionmaker(db.engine),
            "settings": app_settings(),
            "execution_id": execution_id,
            "overrides": overrides,
            "mailer": FlaskMailMailer(app),
        },
        daemon=True,
    )
    thread.start()
    return thread


@bp.post("/jobs/<job_id>/execute")
@authenticated("admin", "user")
def execute_job(job_id: str) -> tuple[Response, int]:
    settings = app_settings()
    try:
        job = runnable_job(session=db.session, settings=settings, actor=current_user, job_id=job_id)
    except JobExpired as expired:  # its auto-pause is kept
        return commit_and_respond(expired.body, expired.status)
    body = parse_body(ExecuteBody, json_body(), optional=True)
    outcome = execute_now(session=db.session, settings=settings, job=job, body=body)
    response = commit_and_respond(outcome.body)
    start_background_run(outcome.execution_id, outcome.overrides)
    return response
