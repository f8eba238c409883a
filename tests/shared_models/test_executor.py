"""The one executor: claim, dispatch, record, notify, e-mail (§5.4-§5.6, D7, D11-D14)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.executor import RunOverrides, claim_execution, run_execution
from shared_models.models import Job, JobExecution, Notification
from shared_models.outbound.github import RetryPolicy
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import SmtpSink, at, make_job, make_user
from tests.local_http import LocalHTTPServer, Reply

FAST = RetryPolicy(backoff_seconds=0.001, max_retries=2, sleep=lambda _s: None)
GH_PATH = "/repos/acme/app/actions/workflows/ci.yml/dispatches"


def _run(
    engine: Engine, db: Session, settings: Settings, job: Job, *, trigger: str = "scheduled",
    overrides: RunOverrides | None = None,
) -> JobExecution:
    from shared_models.db import make_sessionmaker

    row = claim_execution(db, job=job, trigger_type=trigger)
    assert row is not None and row.status == "running"
    db.commit()
    run_execution(
        session_factory=make_sessionmaker(engine), settings=settings, execution_id=row.id,
        overrides=overrides, retry_policy=FAST,
    )
    db.expire_all()
    return db.get(JobExecution, row.id)  # type: ignore[return-value]


def _notifications(db: Session, execution: JobExecution) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.related_execution_id == execution.id)))


@pytest.fixture
def gh_settings(database_url: str, http_server: LocalHTTPServer) -> Settings:
    return make_settings(database_url, GITHUB_API_URL=http_server.url("/"), GITHUB_TOKEN="env-token")


def _gh_job(db: Session, **fields: object) -> Job:
    values: dict[str, object] = {
        "target_url": None, "github_owner": "acme", "github_repo": "app", "github_workflow_name": "ci.yml",
    }
    values.update(fields)
    return make_job(db, **values)


# --- webhook ---------------------------------------------------------------------------

def test_webhook_success_posts_metadata_records_and_broadcasts(
    engine: Engine, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    users = [make_user(db, "admin"), make_user(db, "viewer", is_active=False)]
    http_server.on("/hook", method="POST", body="done " * 300)
    job = make_job(db, target_url=http_server.url("/hook"), job_metadata=json.dumps({"k": "v"}))
    clock.freeze(at(2030, 1, 1, 3))
    execution = _run(engine, db, settings, job)
    assert execution.status == "success"
    assert [request.json() for request in http_server.requests] == [{"k": "v"}]
    assert execution.response_status == 200
    assert execution.execution_type == "webhook" and execution.target == job.target_url
    assert execution.output == ("done " * 300)[:1000]
    assert execution.error_message is None
    assert execution.completed_at == at(2030, 1, 1, 3) and execution.duration_seconds == 0.0
    notes = _notifications(db, execution)
    assert sorted(n.user_id for n in notes) == sorted(u.id for u in users)
    assert {(n.title, n.message, n.type, n.related_job_id) for n in notes} == {
        ("Job Completed", f'Job "{job.name}" completed successfully.', "success", job.id)
    }


def test_webhook_without_metadata_uses_get_and_non_2xx_fails(
    engine: Engine, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    make_user(db)
    http_server.on("/hook", method="GET", status=503, body="server sad")
    job = make_job(db, target_url=http_server.url("/hook"))
    execution = _run(engine, db, settings, job, trigger="manual")
    assert (execution.status, execution.response_status) == ("failed", 503)
    assert execution.error_message == "Webhook returned status 503"
    assert execution.output == "server sad"
    assert execution.trigger_type == "manual"
    [note] = _notifications(db, execution)
    assert (note.title, note.type) == ("Job Failed", "error")
    assert note.message == f'Job "{job.name}" failed: Webhook returned status 503'


def test_webhook_network_error(engine: Engine, db: Session, settings: Settings) -> None:
    job = make_job(db, target_url="http://127.0.0.1:1/hook")
    execution = _run(engine, db, settings, job)
    assert execution.status == "failed" and execution.response_status is None
    assert execution.error_message.startswith("Webhook call failed: ")
    assert execution.execution_type == "webhook"


def test_fire_time_ssrf_refusal(engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", body="must not be called")
    strict = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")
    job = make_job(db, target_url=f"https://127.0.0.1:{http_server.port}/hook")
    execution = _run(engine, db, strict, job)
    assert execution.status == "failed"
    assert execution.error_message == (
        "Webhook call failed: Webhook URL must not point to a loopback, private, link-local or multicast address."
    )
    assert http_server.requests == []


def test_override_target_url_and_metadata(
    engine: Engine, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on("/other", method="POST", body="ok")
    job = make_job(db, target_url=http_server.url("/hook"))
    overrides = RunOverrides(target_url=http_server.url("/other"), metadata={"run": 1})
    execution = _run(engine, db, settings, job, trigger="manual", overrides=overrides)
    assert execution.status == "success" and execution.target == http_server.url("/other")
    assert [request.json() for request in http_server.requests] == [{"run": 1}]
    db.refresh(job)
    assert job.target_url == http_server.url("/hook") and job.job_metadata is None  # never persisted


# --- GitHub ----------------------------------------------------------------------------

def test_github_success_204(engine: Engine, db: Session, gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(GH_PATH, method="POST", status=204)
    job = _gh_job(db, job_metadata=json.dumps({"branchDetails": "release", "x": "1"}))
    execution = _run(engine, db, gh_settings, job)
    assert (execution.status, execution.response_status) == ("success", 204)
    assert execution.execution_type == "github_actions" and execution.target == "acme/app/ci.yml"
    assert execution.output == "Workflow triggered successfully on branch release"
    request = http_server.requests[0]
    assert request.headers["Authorization"] == "Bearer env-token"
    assert request.json() == {
        "ref": "release", "inputs": {"branchDetails": "release", "x": "1"}, "return_run_details": True
    }


def test_github_200_run_details_in_output(
    engine: Engine, db: Session, gh_settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on(GH_PATH, json={"workflow_run_id": 7, "html_url": "https://gh/runs/7"})
    execution = _run(engine, db, gh_settings, _gh_job(db))
    assert execution.status == "success" and execution.response_status == 200
    assert execution.output == "Workflow triggered successfully on branch master (run 7: https://gh/runs/7)"


def test_github_failure_status(engine: Engine, db: Session, gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(GH_PATH, status=422, body='{"message":"Unexpected inputs"}')
    execution = _run(engine, db, gh_settings, _gh_job(db))
    assert (execution.status, execution.response_status) == ("failed", 422)
    assert execution.error_message == (
        'GitHub Actions dispatch failed. Status: 422, Response: {"message":"Unexpected inputs"}'
    )


def test_github_5xx_retried_then_success(
    engine: Engine, db: Session, gh_settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on(GH_PATH, status=500, body="x", times=1)
    http_server.on(GH_PATH, times=1, status=204)
    execution = _run(engine, db, gh_settings, _gh_job(db))
    assert execution.status == "success" and len(http_server.requests) == 2


def test_github_override_token_and_triple(
    engine: Engine, db: Session, gh_settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on("/repos/o2/r2/actions/workflows/w2.yml/dispatches", status=204)
    overrides = RunOverrides(github_owner="o2", github_repo="r2", github_workflow_name="w2.yml", github_token="run-tok")
    execution = _run(engine, db, gh_settings, _gh_job(db), trigger="manual", overrides=overrides)
    assert execution.status == "success" and execution.target == "o2/r2/w2.yml"
    assert http_server.requests[0].headers["Authorization"] == "Bearer run-tok"


def test_github_network_error(engine: Engine, db: Session, database_url: str) -> None:
    settings = make_settings(database_url, GITHUB_API_URL="http://127.0.0.1:1", GITHUB_TOKEN="t")
    execution = _run(engine, db, settings, _gh_job(db))
    assert execution.status == "failed" and execution.response_status is None
    assert execution.error_message.startswith("GitHub Actions request failed: ")


def test_github_without_token(engine: Engine, db: Session, settings: Settings) -> None:
    job = _gh_job(db)
    execution = _run(engine, db, settings, job)
    assert execution.status == "failed"
    assert execution.error_message == f"GitHub token not configured. Cannot trigger workflow for job '{job.name}'"
    assert execution.target == "acme/app/ci.yml"


def test_github_wins_over_target_url(engine: Engine, db: Session, gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(GH_PATH, status=204)
    job = _gh_job(db, target_url=http_server.url("/hook"))
    assert _run(engine, db, gh_settings, job).execution_type == "github_actions"


def test_invalid_configuration(engine: Engine, db: Session, settings: Settings) -> None:
    job = make_job(db, target_url=None)
    execution = _run(engine, db, settings, job)
    assert execution.status == "failed" and execution.execution_type is None
    assert execution.error_message == (
        f"Job '{job.name}' has invalid configuration (neither GitHub Actions nor webhook URL)"
    )


def test_unexpected_error_recorded(engine: Engine, db: Session, gh_settings: Settings) -> None:
    make_user(db)
    job = _gh_job(db, job_metadata=json.dumps(["not", "an", "object"]))
    execution = _run(engine, db, gh_settings, job)
    assert execution.status == "failed"
    assert execution.error_message == (
        f"Unexpected error executing job '{job.name}': 'list' object has no attribute 'get'"
    )
    assert execution.execution_type == "github_actions"
    [note] = _notifications(db, execution)
    assert note.title == "Job Failed" and note.message.endswith("'list' object has no attribute 'get'")


# --- claims and rows ---------------------------------------------------------------------

def test_scheduled_claim_is_once_per_slot(db: Session) -> None:
    job = make_job(db)
    slot = at(2030, 1, 1, 0)
    first = claim_execution(db, job=job, trigger_type="scheduled", scheduled_for=slot)
    db.commit()
    assert first is not None
    assert claim_execution(db, job=job, trigger_type="scheduled", scheduled_for=slot) is None
    other = claim_execution(db, job=job, trigger_type="scheduled", scheduled_for=slot + timedelta(minutes=1))
    assert other is not None  # the session survived the collision
    db.commit()
    rows = db.scalars(select(JobExecution).where(JobExecution.job_id == job.id)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {"running"}


def test_finished_row_is_left_alone(engine: Engine, db: Session, settings: Settings, http_server: LocalHTTPServer) -> None:
    from shared_models.db import make_sessionmaker

    job = make_job(db, target_url=http_server.url("/hook"))
    row = claim_execution(db, job=job, trigger_type="scheduled")
    row.status = "failed"
    row.error_message = "orphaned"
    db.commit()
    run_execution(session_factory=make_sessionmaker(engine), settings=settings, execution_id=row.id)
    db.expire_all()
    assert db.get(JobExecution, row.id).error_message == "orphaned"
    assert http_server.requests == []


def test_missing_row_is_a_no_op(engine: Engine, settings: Settings) -> None:
    from shared_models.db import make_sessionmaker

    assert run_execution(session_factory=make_sessionmaker(engine), settings=settings, execution_id="nope") is None
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(JobExecution)) == 0


# --- e-mail (D14) ------------------------------------------------------------------------

def _mail_job(db: Session, url: str, **fields: object) -> Job:
    values: dict[str, object] = {
        "target_url": url, "enable_email_notifications": True,
        "notification_emails": "ops@example.com, dev@example.com",
    }
    values.update(fields)
    return make_job(db, **values)


def _subjects(sink: SmtpSink) -> list[str]:
    return [m["Subject"] for m in sink.messages]


@pytest.mark.parametrize("trigger", ["scheduled", "manual"])
def test_one_alert_at_the_threshold_for_both_triggers(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer, trigger: str
) -> None:
    http_server.on("/hook", status=500, body="no")
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides())
        assert settings.SCHEDULER_FAILURE_ALERT_THRESHOLD == 3  # the default
        job = _mail_job(db, http_server.url("/hook"))
        seen = []
        for _ in range(5):
            _run(engine, db, settings, job, trigger=trigger)
            seen.append(len(sink.envelopes))
    assert seen == [0, 0, 1, 1, 1]  # no e-mail per failure: one alert, at the 3rd
    assert _subjects(sink) == [f"🔴 Job failing: {job.name} (3 consecutive failures)"]
    assert sorted(sink.envelopes[0].rcpt_tos) == ["dev@example.com", "ops@example.com"]
    assert "Webhook returned status 500" in sink.messages[0].get_body(("plain",)).get_content()


def test_manual_and_scheduled_runs_share_one_streak(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    http_server.on("/hook", status=500, body="no")
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides())
        job = _mail_job(db, http_server.url("/hook"))
        for trigger in ("scheduled", "manual", "scheduled"):
            _run(engine, db, settings, job, trigger=trigger)
    assert _subjects(sink) == [f"🔴 Job failing: {job.name} (3 consecutive failures)"]


def test_recovery_replaces_the_success_mail_once(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    status = {"code": 500}
    http_server.on("/hook", handler=lambda _request: Reply(status["code"], "x"))
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides(SCHEDULER_FAILURE_ALERT_THRESHOLD=2))
        job = _mail_job(db, http_server.url("/hook"), notify_on_success=True)
        for _ in range(2):
            _run(engine, db, settings, job)
        status["code"] = 200
        for _ in range(2):
            _run(engine, db, settings, job)
    assert _subjects(sink) == [
        f"🔴 Job failing: {job.name} (2 consecutive failures)",
        f"✅ Job recovered: {job.name}",  # not also "Job Success"
        f"✅ Job Success: {job.name}",
    ]


def test_short_streak_ends_without_recovery_mail(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    status = {"code": 500}
    http_server.on("/hook", handler=lambda _request: Reply(status["code"], "x"))
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides())
        job = _mail_job(db, http_server.url("/hook"))
        for _ in range(2):
            _run(engine, db, settings, job)
        status["code"] = 200
        _run(engine, db, settings, job)
    assert sink.envelopes == []


def test_threshold_zero_turns_failure_mail_off(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    http_server.on("/hook", status=500, body="no")
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides(SCHEDULER_FAILURE_ALERT_THRESHOLD=0))
        job = _mail_job(db, http_server.url("/hook"))
        for _ in range(3):
            _run(engine, db, settings, job)
    assert sink.envelopes == []


def test_success_mail_only_with_notify_on_success(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    http_server.on("/hook", body="ok")
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides())
        quiet = _mail_job(db, http_server.url("/hook"))
        loud = _mail_job(db, http_server.url("/hook"), notify_on_success=True)
        _run(engine, db, settings, quiet)
        _run(engine, db, settings, loud)
    assert _subjects(sink) == [f"✅ Job Success: {loud.name}"]


def test_no_mail_when_disabled_and_config_failures_count_in_the_streak(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    http_server.on("/hook", status=500, body="no")
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides(SCHEDULER_FAILURE_ALERT_THRESHOLD=1))
        _run(engine, db, settings, _mail_job(db, http_server.url("/hook"), enable_email_notifications=False))
        assert sink.envelopes == []
        # Legacy sent nothing for a missing token; a job that cannot run is exactly what
        # the streak alert is for, so it alerts like any other failure.
        no_token = _mail_job(db, None, github_owner="a", github_repo="b", github_workflow_name="c.yml")
        _run(engine, db, settings, no_token)
    assert _subjects(sink) == [f"🔴 Job failing: {no_token.name} (1 consecutive failure)"]
    assert "GitHub token not configured" in sink.messages[0].get_body(("plain",)).get_content()


def test_mail_failure_recorded_on_notification(
    engine: Engine, db: Session, database_url: str, http_server: LocalHTTPServer
) -> None:
    make_user(db)
    http_server.on("/hook", status=500, body="no")
    with SmtpSink(password="right") as sink:
        settings = make_settings(
            database_url, **sink.settings_overrides(MAIL_PASSWORD="wrong-pw", SCHEDULER_FAILURE_ALERT_THRESHOLD=1)
        )
        execution = _run(engine, db, settings, _mail_job(db, http_server.url("/hook")))
    assert execution.status == "failed"
    [note] = _notifications(db, execution)
    assert note.message.endswith(")") and "(E-mail notification failed: SMTPAuthenticationError" in note.message
    assert "wrong-pw" not in note.message


def test_batched_claim_skips_claimed_pairs(db: Session) -> None:
    from shared_models.executor import claim_scheduled

    jobs = [make_job(db) for _ in range(3)]
    slot = at(2030, 1, 1, 0)
    earlier = claim_execution(db, job=jobs[0], trigger_type="scheduled", scheduled_for=slot)
    db.commit()
    pairs = [(job.id, slot) for job in jobs] + [(jobs[1].id, slot)]  # a duplicate in the batch too
    claimed = claim_scheduled(db, pairs)
    db.commit()
    assert set(claimed) == {(jobs[1].id, slot), (jobs[2].id, slot)}
    rows = db.scalars(select(JobExecution).order_by(JobExecution.job_id)).all()
    assert len(rows) == 3 and earlier.id in {r.id for r in rows}
    by_id = {r.id: r for r in rows}
    for (job_id, when), execution_id in claimed.items():
        row = by_id[execution_id]
        assert (row.job_id, row.scheduled_for, row.status, row.trigger_type) == (job_id, when, "running", "scheduled")
        assert row.started_at is not None and row.completed_at is None
    assert claim_scheduled(db, pairs) == {} and claim_scheduled(db, []) == {}


def test_run_finishing_while_its_job_is_deleted(
    engine: Engine, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    """Recording a run and deleting its job at the same moment: both end cleanly, on
    PostgreSQL too (the recorder once locked the execution row before the job row, the
    delete the other way round: a deadlock, and the delete answered 500)."""
    import threading

    from shared_models.db import begin_write, make_sessionmaker
    from shared_models.services.jobs import delete_job

    make_user(db, "admin")  # someone to broadcast the outcome to: the insert that locked the job row
    admin = make_user(db, "admin")
    http_server.on("/hook", method="GET", body="ok")
    sessions = make_sessionmaker(engine)
    failures: list[BaseException] = []
    for _ in range(25):
        job = make_job(db, target_url=http_server.url("/hook"), created_by=admin)
        row = claim_execution(db, job=job, trigger_type="manual")
        assert row is not None
        db.commit()
        job_id, execution_id = job.id, row.id
        start = threading.Barrier(2)

        def record(execution_id: str = execution_id, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                run_execution(session_factory=sessions, settings=settings, execution_id=execution_id)
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)

        recorder = threading.Thread(target=record)
        recorder.start()
        start.wait()
        with sessions() as session:
            begin_write(session)  # as both stacks do for every write request
            actor = session.get(type(admin), admin.id)
            assert delete_job(session=session, actor=actor, job_id=job_id)["deleted_job"]["id"] == job_id
            session.commit()
        recorder.join(timeout=30)
        assert not recorder.is_alive()
        db.expire_all()
        assert db.get(Job, job_id) is None and db.get(JobExecution, execution_id) is None
    assert failures == []
