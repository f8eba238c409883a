"""The burst path: claim with the jobs, call, then record the outcomes in batches."""

from __future__ import annotations

import concurrent.futures
import ipaddress
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.recorder import OutcomeRecorder
from scheduler.runner import Runner
from scheduler.service import LeaderService
from shared_models import executor
from shared_models.db import make_sessionmaker
from shared_models.models import JobExecution, Notification
from shared_models.outbound.http import shared_client
from shared_models.outbound.ssrf import RecentResolutions, UnsafeTarget, check_target_url
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import SmtpSink, committed, make_job, make_user

SLOT = datetime(2030, 1, 7, 0, 10, tzinfo=UTC)


def test_a_burst_is_called_then_recorded_in_one_transaction(
    db: Session, engine, leader_settings: Settings, webhook: str, http_server  # noqa: ANN001
) -> None:
    users = [make_user(db), make_user(db)]
    runner = Runner(leader_settings, make_sessionmaker(engine))
    batches: list[int] = []

    def record(batch: list[executor.Finished]) -> list:  # noqa: ANN001
        batches.append(len(batch))
        return runner.record(batch)

    runner.recorder = OutcomeRecorder(record, settle=5.0, max_hold=30.0).start()
    jobs = [make_job(db, target_url=webhook, end_date=None) for _ in range(40)]
    runs = runner.claim_burst([(job.id, SLOT) for job in jobs])
    assert sorted(run.job.id for run in runs) == sorted(job.id for job in jobs)
    assert all(run.config.target_url == webhook for run in runs)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(runner.run_claimed, runs))
    assert len(http_server.requests) == 40
    assert {row.status for row in committed(db, JobExecution)} == {"running"}  # not yet: the burst settles first
    runner.recorder.stop()
    rows = committed(db, JobExecution)
    assert batches == [40]
    assert {(row.status, row.response_status, row.output, row.execution_type) for row in rows} == {
        ("success", 200, "ok", "webhook")
    }
    assert all(row.completed_at is not None and row.duration_seconds >= 0 for row in rows)
    notes = db.scalars(select(Notification).where(Notification.title == "Job Completed")).all()
    assert len(notes) == 40 * len(users)
    assert {note.related_execution_id for note in notes} == {row.id for row in rows}


def test_record_outcomes_leaves_rows_that_are_no_longer_running(
    db: Session, engine, leader_settings: Settings  # noqa: ANN001
) -> None:
    runner = Runner(leader_settings, make_sessionmaker(engine))
    jobs = [make_job(db, end_date=None) for _ in range(2)]
    first, second = runner.claim_burst([(job.id, SLOT) for job in jobs])
    orphaned = db.get(JobExecution, second.execution_id)
    orphaned.status, orphaned.error_message = "failed", "orphaned"
    db.commit()
    failed = executor.Outcome(status="failed", error_message="Webhook returned status 500", response_status=500)
    results = executor.record_outcomes(
        make_sessionmaker(engine), leader_settings,
        [executor.Finished(first.execution_id, first.job, failed), executor.Finished(second.execution_id, second.job, failed)],
    )
    assert results[0] is not None and results[1] is None
    rows = {row.id: row for row in committed(db, JobExecution)}
    assert (rows[first.execution_id].status, rows[first.execution_id].response_status) == ("failed", 500)
    assert rows[second.execution_id].error_message == "orphaned"


def test_a_streak_completed_inside_one_batch_alerts_once(
    db: Session, engine, database_url: str  # noqa: ANN001
) -> None:
    with SmtpSink() as sink:
        settings = make_settings(database_url, **sink.settings_overrides())
        runner = Runner(settings, make_sessionmaker(engine))
        job = make_job(
            db, end_date=None, enable_email_notifications=True, notification_emails="ops@example.com"
        )
        runs = runner.claim_burst([(job.id, SLOT + timedelta(minutes=n)) for n in range(4)])
        failed = executor.Outcome(status="failed", error_message="Webhook returned status 500")
        finished = [executor.Finished(r.execution_id, r.job, failed) for r in runs]
        sent: list[int] = []
        for batch in (finished[:3], finished[3:]):
            for task in runner.record(batch):  # the e-mails that follow a recorded batch
                task()
            sent.append(len(sink.messages))
    assert sent == [1, 1]  # the 3rd failure alerts, inside the first batch; the 4th does not
    assert sink.messages[0]["Subject"] == f"🔴 Job failing: {job.name} (3 consecutive failures)"
    assert {row.status for row in committed(db, JobExecution)} == {"failed"} and len(committed(db, JobExecution)) == 4


def test_recent_resolutions_reuse_an_answer_and_the_check_still_refuses() -> None:
    calls: list[str] = []

    def lookup(host: str, _port: int) -> list:  # noqa: ANN001
        calls.append(host)
        return [ipaddress.ip_address("10.1.2.3")]

    settings = make_settings("sqlite://")
    cached = RecentResolutions(ttl_seconds=60, resolver=lookup)
    for _ in range(3):
        with pytest.raises(UnsafeTarget):
            check_target_url("https://internal.example/hook", settings, resolver=cached)
    assert calls == ["internal.example"]
    expired = RecentResolutions(ttl_seconds=0, resolver=lookup)
    for _ in range(2):
        with pytest.raises(UnsafeTarget):
            check_target_url("https://internal.example/hook", settings, resolver=expired)
    assert len(calls) == 3


def test_the_batching_wait_is_not_part_of_the_duration(
    db: Session, engine, leader_settings: Settings  # noqa: ANN001
) -> None:
    """A run is recorded up to a couple of seconds after its call ends; its duration
    and completed_at are those of the call."""
    runner = Runner(leader_settings, make_sessionmaker(engine))
    job = make_job(db, end_date=None)
    (run,) = runner.claim_burst([(job.id, SLOT)])
    started_at = db.get(JobExecution, run.execution_id).started_at
    db.rollback()
    call_ended = started_at + timedelta(milliseconds=250)
    ok = executor.Outcome(status="success", response_status=200)
    executor.record_outcomes(
        make_sessionmaker(engine), leader_settings, [executor.Finished(run.execution_id, run.job, ok, call_ended)]
    )
    (row,) = committed(db, JobExecution)
    assert (row.status, row.completed_at, row.duration_seconds) == ("success", call_ended, 0.25)


def test_a_leaders_burst_runs_on_threads_with_their_own_clients_closed_at_stop(
    db: Session, engine, leader_settings: Settings, webhook: str, http_server  # noqa: ANN001
) -> None:
    """The run threads call through clients of their own (no shared pool lock), each slot
    once; stopping the leader closes those clients."""
    service = LeaderService(leader_settings, make_sessionmaker(engine), run_workers=4)
    service.recorder.start()
    service.batcher.start()
    jobs = [make_job(db, target_url=webhook, end_date=None) for _ in range(30)]
    for job in jobs:
        service.batcher.submit(job.id, SLOT)
        service.batcher.submit(job.id, SLOT)  # a duplicate hand-over claims nothing
    deadline = time.monotonic() + 20
    while len(http_server.requests) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    bound = service.runner.clients.clients()
    service.stop(wait=True)
    rows = committed(db, JobExecution)
    assert len(http_server.requests) == 30
    assert sorted(row.job_id for row in rows) == sorted(job.id for job in jobs)
    assert {(row.status, row.response_status) for row in rows} == {("success", 200)}
    assert 1 <= len(bound) <= 4 and all(client is not shared_client() for client in bound)
    assert all(client.is_closed for client in bound)
