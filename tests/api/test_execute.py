"""POST /api/jobs/<id>/execute (§3.5.7, D7, D14): claim now, run in the background."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.models import Job, JobExecution, Notification
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import SmtpSink, bearer, make_job, make_user
from tests.local_http import LocalHTTPServer

EXECUTION_KEYS = {
    "id", "job_id", "status", "trigger_type", "started_at", "completed_at", "duration_seconds",
    "execution_type", "target", "response_status", "error_message", "output",
}


def _url(job_id: str) -> str:
    return f"/api/jobs/{job_id}/execute"


def _wait_done(db: Session, execution_id: str, seconds: float = 5.0) -> JobExecution:
    deadline = time.monotonic() + seconds
    while True:
        db.rollback()  # a new snapshot: an open SQLite read transaction never sees the update
        row = db.get(JobExecution, execution_id)
        if row is not None and row.status != "running":
            return row
        assert time.monotonic() < deadline, "background run did not finish"
        time.sleep(0.05)


def _executions(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(JobExecution))  # type: ignore[return-value]


# --- success and roles ---------------------------------------------------------------------

@pytest.mark.parametrize("caller", ["owner", "admin"])
def test_owner_and_admin_trigger_a_background_run(
    client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer, caller: str
) -> None:
    owner = make_user(db, "user")
    admin = make_user(db, "admin")
    http_server.on("/hook", method="GET", body="pong")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    response = client.post(_url(job.id), headers=bearer(settings, owner if caller == "owner" else admin))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"message", "job_id", "execution"}
    assert (body["message"], body["job_id"]) == ("Job triggered successfully", job.id)
    execution = body["execution"]
    assert set(execution) == EXECUTION_KEYS
    assert (execution["status"], execution["trigger_type"], execution["job_id"]) == ("running", "manual", job.id)
    assert execution["completed_at"] is None and execution["started_at"].endswith("Z")

    row = _wait_done(db, execution["id"])
    assert (row.status, row.response_status, row.output, row.execution_type) == ("success", 200, "pong", "webhook")
    titles = db.scalars(select(Notification.title).where(Notification.related_execution_id == row.id)).all()
    assert titles == ["Job Completed", "Job Completed"]  # broadcast to both users


def test_anonymous_is_401(client: Any, db: Session) -> None:
    job = make_job(db)
    response = client.post(_url(job.id))
    assert response.status_code == 401 and "msg" in response.get_json()
    assert _executions(db) == 0


def test_viewer_is_403_by_role(client: Any, db: Session, settings: Settings) -> None:
    viewer = make_user(db, "viewer")
    job = make_job(db, created_by=viewer)
    response = client.post(_url(job.id), headers=bearer(settings, viewer))
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "Insufficient permissions",
        "message": "This endpoint requires one of the following roles: admin, user",
    }
    assert _executions(db) == 0


def test_other_user_is_403_by_ownership(client: Any, db: Session, settings: Settings) -> None:
    job = make_job(db, created_by=make_user(db))
    response = client.post(_url(job.id), headers=bearer(settings, make_user(db)))
    assert response.status_code == 403
    assert response.get_json() == {"error": "Insufficient permissions", "message": "You can only execute your own jobs"}
    assert _executions(db) == 0


# --- documented errors, in order -----------------------------------------------------------

def test_unknown_job_is_404(client: Any, db: Session, settings: Settings) -> None:
    response = client.post(_url("missing-id"), headers=bearer(settings, make_user(db, "admin")))
    assert response.status_code == 404
    assert response.get_json() == {"error": "Job not found", "message": "No job found with ID: missing-id"}


def test_expired_job_is_auto_paused(client: Any, db: Session, settings: Settings) -> None:
    owner = make_user(db)
    yesterday = utcnow().astimezone(settings.timezone).date() - timedelta(days=1)
    job = make_job(db, created_by=owner, end_date=yesterday)
    response = client.post(_url(job.id), json=[1], headers=bearer(settings, owner))  # expiry comes first
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Job expired", "message": "This job has passed its end_date and was auto-paused."
    }
    db.expire_all()
    assert db.get(Job, job.id).is_active is False
    assert _executions(db) == 0
    assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_inactive_job_is_409(client: Any, db: Session, settings: Settings) -> None:
    owner = make_user(db)
    job = make_job(db, created_by=owner, is_active=False)
    response = client.post(_url(job.id), headers=bearer(settings, owner))
    assert response.status_code == 409
    assert response.get_json() == {"error": "Job is inactive", "message": "Enable the job before running it."}
    assert _executions(db) == 0


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"json": [1, 2]}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ({"data": "{oops", "content_type": "application/json"},
         {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"json": {"metadata": "x"}}, {"error": "Invalid payload", "message": '"metadata" must be a JSON object.'}),
        ({"json": {"metadata": [1]}}, {"error": "Invalid payload", "message": '"metadata" must be a JSON object.'}),
        ({"json": {"target_url": 7}}, {"error": "Invalid payload", "message": '"target_url" must be a string.'}),
    ],
)
def test_bad_body_is_400(client: Any, db: Session, settings: Settings, kwargs, body) -> None:
    owner = make_user(db)
    job = make_job(db, created_by=owner)
    response = client.post(_url(job.id), headers=bearer(settings, owner), **kwargs)
    assert response.status_code == 400
    assert response.get_json() == body
    assert _executions(db) == 0


@pytest.mark.parametrize("dispatch_url", ["https://github.com/acme/app/blob/main/x", "acme/app",
                                          "https://api.github.com/repos/acme/app/actions/workflows/ci.yml"])
def test_bad_dispatch_url_is_400(client: Any, db: Session, settings: Settings, dispatch_url: str) -> None:
    owner = make_user(db)
    job = make_job(db, created_by=owner, target_url=None, github_owner="a", github_repo="b", github_workflow_name="c.yml")
    response = client.post(_url(job.id), json={"dispatch_url": dispatch_url}, headers=bearer(settings, owner))
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Invalid payload",
        "message": "Invalid dispatch URL format. Expected /<owner>/<repo>/actions/workflows/<workflow>.",
    }
    assert _executions(db) == 0


@pytest.mark.parametrize("key", ["github_owner", "dispatch_url", "github_token"])
def test_a_key_is_type_checked_only_for_the_kind_of_job_that_reads_it(
    client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer, key: str
) -> None:
    owner = make_user(db)
    http_server.on("/hook", method="GET", body="pong")
    webhook = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    # A webhook job ignores the GitHub keys, whatever their type (§3.5.7).
    response = client.post(_url(webhook.id), json={key: 5}, headers=bearer(settings, owner))
    assert response.status_code == 200, response.get_json()
    assert _wait_done(db, response.get_json()["execution"]["id"]).status == "success"
    github = make_job(db, created_by=owner, target_url=None, github_owner="a", github_repo="b",
                      github_workflow_name="c.yml")
    response = client.post(_url(github.id), json={key: 5, "target_url": 6}, headers=bearer(settings, owner))
    assert (response.status_code, response.get_json()) == (
        400, {"error": "Invalid payload", "message": f'"{key}" must be a string.'}
    )


def test_the_dispatch_url_rule_comes_before_the_later_keys_types(client: Any, db: Session, settings: Settings) -> None:
    owner = make_user(db)
    job = make_job(db, created_by=owner, target_url=None, github_owner="a", github_repo="b", github_workflow_name="c.yml")
    response = client.post(_url(job.id), json={"dispatch_url": "acme/app", "github_token": 1},
                           headers=bearer(settings, owner))
    assert response.get_json()["message"].startswith("Invalid dispatch URL format")


def test_the_job_checks_come_before_the_body(client: Any, db: Session, settings: Settings) -> None:
    owner = make_user(db)
    inactive = make_job(db, created_by=owner, is_active=False)
    response = client.post(_url(inactive.id), json={"metadata": 1}, headers=bearer(settings, owner))
    assert (response.status_code, response.get_json()["error"]) == (409, "Job is inactive")
    response = client.post(_url("nope"), data="{oops", content_type="application/json", headers=bearer(settings, owner))
    assert response.status_code == 404


def test_missing_target_is_400(client: Any, db: Session, settings: Settings) -> None:
    owner = make_user(db)
    job = make_job(db, created_by=owner, target_url=None, github_owner=None, github_repo="r", github_workflow_name="w.yml")
    response = client.post(_url(job.id), json={}, headers=bearer(settings, owner))
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Missing target configuration", "message": "Job has no valid target configuration to execute."
    }
    assert _executions(db) == 0


# --- overrides and body handling -----------------------------------------------------------

def test_non_json_body_is_ignored(client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer) -> None:
    owner = make_user(db)
    http_server.on("/hook", body="ok")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    response = client.post(_url(job.id), data="[not json", content_type="text/plain", headers=bearer(settings, owner))
    assert response.status_code == 200
    assert _wait_done(db, response.get_json()["execution"]["id"]).status == "success"


def test_webhook_overrides(client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer) -> None:
    owner = make_user(db)
    http_server.on("/other", method="POST", body="ok")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    response = client.post(
        _url(job.id), headers=bearer(settings, owner),
        json={"target_url": http_server.url("/other"), "metadata": {"once": True}, "dispatch_url": "ignored"},
    )
    row = _wait_done(db, response.get_json()["execution"]["id"])
    assert row.status == "success" and row.target == http_server.url("/other")
    assert [request.json() for request in http_server.requests] == [{"once": True}]
    db.expire_all()
    stored = db.get(Job, job.id)
    assert stored.target_url == http_server.url("/hook") and stored.job_metadata is None


def test_github_dispatch_url_and_token_overrides(db: Session, database_url: str, settings: Settings,
                                                 http_server: LocalHTTPServer, client_for: Any) -> None:
    http_server.on("/repos/o2/r2/actions/workflows/w2.yml/dispatches", status=204)
    owner = make_user(db)
    job = make_job(db, created_by=owner, target_url=None, github_owner="a", github_repo="b",
                   github_workflow_name="c.yml", job_metadata=json.dumps({"branchDetails": "dev"}))
    with client_for(make_settings(database_url, GITHUB_API_URL=http_server.url("/"))) as client:
        response = client.post(
            _url(job.id), headers=bearer(settings, owner),
            json={"dispatch_url": "github.com/o2/r2/actions/workflows/w2.yml", "github_token": "per-run"},
        )
        row = _wait_done(db, response.get_json()["execution"]["id"])
    assert (row.status, row.target, row.output) == (
        "success", "o2/r2/w2.yml", "Workflow triggered successfully on branch dev"
    )
    assert http_server.requests[0].headers["Authorization"] == "Bearer per-run"


def test_failed_run_is_recorded(client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer) -> None:
    owner = make_user(db)
    http_server.on("/hook", status=502, body="down")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    response = client.post(_url(job.id), headers=bearer(settings, owner))
    row = _wait_done(db, response.get_json()["execution"]["id"])
    assert (row.status, row.response_status, row.error_message) == ("failed", 502, "Webhook returned status 502")
    note = db.scalars(select(Notification).where(Notification.related_execution_id == row.id)).one()
    assert (note.title, note.message) == ("Job Failed", f'Job "{job.name}" failed: Webhook returned status 502')


# --- e-mail (D14: manual runs send too): Flask-Mail on legacy, SmtpMailer on v2 --------------

def test_manual_failure_sends_mail(
    db: Session, database_url: str, settings: Settings, http_server: LocalHTTPServer, client_for: Any
) -> None:
    owner = make_user(db)
    http_server.on("/hook", status=500, body="down")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"),
                   enable_email_notifications=True, notification_emails="ops@example.com")
    # One failure completes a streak of 1: the streak alert (shared_models.alerts) replaced
    # the legacy e-mail per failure; manual runs count like scheduled ones.
    with SmtpSink() as sink, client_for(
        make_settings(database_url, **sink.settings_overrides(SCHEDULER_FAILURE_ALERT_THRESHOLD=1))
    ) as client:
        response = client.post(_url(job.id), headers=bearer(settings, owner))
        _wait_done(db, response.get_json()["execution"]["id"])
        deadline = time.monotonic() + 5
        while not sink.envelopes and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m["Subject"] for m in sink.messages] == [f"🔴 Job failing: {job.name} (1 consecutive failure)"]
    assert sink.envelopes[0].rcpt_tos == ["ops@example.com"]
    assert sink.messages[0]["From"] == "cron@example.com"
