"""Claiming slots, run-time expiry, orphans and the missed-run policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.runner import Runner, fail_orphans, plan_missed
from scheduler.service import LeaderService
from scheduler.trigger import EngineCronTrigger
from shared_models import clock
from shared_models.alerts import MISSED_RUN_PREFIX
from shared_models.db import begin_write, make_sessionmaker
from shared_models.models import Job, JobExecution, Notification
from shared_models.settings import Settings
from tests.helpers import make_execution, make_job, make_user

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2030, 1, 7, 0, 10, 30, tzinfo=UTC)
EVERY_MINUTE = EngineCronTrigger("* * * * *", TOKYO)


@pytest.fixture
def runner(leader_settings: Settings, engine) -> Runner:  # noqa: ANN001
    return Runner(leader_settings, make_sessionmaker(engine))


def executions(db: Session, job: Job) -> list[JobExecution]:
    db.expire_all()
    rows = db.scalars(select(JobExecution).where(JobExecution.job_id == job.id).order_by(JobExecution.scheduled_for)).all()
    db.rollback()
    return list(rows)


def test_a_slot_fires_once_however_often_it_is_fired(db: Session, runner: Runner, webhook: str, http_server) -> None:  # noqa: ANN001
    job = make_job(db, target_url=webhook, end_date=None)
    slot = datetime(2030, 1, 7, 0, 10, tzinfo=UTC)
    first = runner.fire(job.id, slot)
    second = runner.fire(job.id, slot)
    assert first is not None and second is None
    [row] = executions(db, job)
    assert (row.id, row.status, row.trigger_type, row.scheduled_for) == (first, "success", "scheduled", slot)
    assert len(http_server.requests) == 1  # the outbound call happened once


def test_inactive_or_deleted_jobs_do_not_fire(db: Session, runner: Runner, webhook: str) -> None:
    job = make_job(db, target_url=webhook, end_date=None, is_active=False)
    assert runner.fire(job.id, NOW) is None
    assert runner.fire("no-such-job", NOW) is None
    assert executions(db, job) == []


def test_expired_job_is_paused_and_never_fired(db: Session, runner: Runner, webhook: str) -> None:
    owner, admin = make_user(db, "user"), make_user(db, "admin")
    job = make_job(db, owner, target_url=webhook, end_date=date(2030, 1, 6))
    with clock.frozen(NOW):  # 2030-01-07 09:10 JST: the end date has passed
        assert runner.fire(job.id, NOW.replace(second=0)) is None
    db.expire_all()
    assert db.get(Job, job.id).is_active is False
    assert executions(db, job) == []
    notes = db.scalars(select(Notification).where(Notification.related_job_id == job.id)).all()
    assert sorted(n.user_id for n in notes) == sorted([owner.id, admin.id])
    assert {(n.title, n.message, n.type) for n in notes} == {(
        "Job auto-paused (end date passed)",
        f'Job "{job.name}" passed its end_date (2030-01-06 JST) and was auto-paused.',
        "warning",
    )}


def test_running_rows_of_a_dead_leader_are_failed_with_a_reason(db: Session) -> None:
    job = make_job(db, end_date=None)
    with clock.frozen(NOW):
        orphan = make_execution(db, job, status="running", completed_at=None, duration_seconds=None,
                                response_status=None, started_at=NOW - timedelta(minutes=2), scheduled_for=NOW)
        recent_manual = make_execution(db, job, status="running", trigger_type="manual", completed_at=None,
                                       started_at=NOW - timedelta(minutes=2))
        old_manual = make_execution(db, job, status="running", trigger_type="manual", completed_at=None,
                                    started_at=NOW - timedelta(hours=3))
        done = make_execution(db, job, status="success", scheduled_for=NOW - timedelta(minutes=1))
        begin_write(db)
        assert fail_orphans(db) == 2
        db.commit()
    db.expire_all()
    for row in (orphan, old_manual):
        row = db.get(JobExecution, row.id)
        assert row.status == "failed" and row.completed_at == NOW
        assert row.error_message.startswith("Interrupted: the scheduler process running this execution stopped")
    assert db.get(JobExecution, orphan.id).duration_seconds == 120.0
    assert db.get(JobExecution, recent_manual.id).status == "running"  # a live gateway may own it
    assert db.get(JobExecution, done.id).status == "success"


def test_leader_start_fails_orphans_without_a_phase(db: Session, leader_settings: Settings, engine) -> None:  # noqa: ANN001
    """A row older than migration 0008 (no phase): what it did cannot be known, so it fails as before;
    phased rows are resolved by scheduler.takeover (tests/scheduler/test_delivery.py)."""
    job = make_job(db, end_date=None, is_active=False)
    orphan = make_execution(db, job, status="running", completed_at=None, scheduled_for=clock.utcnow(), phase=None)
    service = LeaderService(leader_settings, make_sessionmaker(engine))
    service.start()
    try:
        assert service.orphans_failed == 1
    finally:
        service.stop()
    db.expire_all()
    assert db.get(JobExecution, orphan.id).status == "failed"


# -- missed runs: the pure plan ---------------------------------------------------
def test_no_missed_slot() -> None:
    assert plan_missed(EVERY_MINUTE, baseline=NOW - timedelta(seconds=20), now=NOW, policy="once", grace_seconds=300) is None


def test_once_runs_the_latest_slot_within_grace() -> None:
    plan = plan_missed(EVERY_MINUTE, baseline=NOW - timedelta(minutes=3), now=NOW, policy="once", grace_seconds=300)
    assert plan is not None and plan.run
    assert plan.latest == datetime(2030, 1, 7, 0, 10, tzinfo=UTC)
    assert plan.first == datetime(2030, 1, 7, 0, 8, tzinfo=UTC)
    assert plan.count == 3
    assert "Catch-up run" in plan.note and "2 earlier missed slot(s)" in plan.note


def test_once_beyond_grace_and_skip_record_the_slot() -> None:
    daily = EngineCronTrigger("0 9 * * *", TOKYO)  # 00:00 UTC
    late = plan_missed(daily, baseline=NOW - timedelta(days=3), now=NOW, policy="once", grace_seconds=300)
    assert late is not None and not late.run
    assert late.latest == datetime(2030, 1, 7, 0, 0, tzinfo=UTC) and late.count == 3
    assert late.note.startswith(MISSED_RUN_PREFIX) and "beyond the 300 s grace window" in late.note
    skip = plan_missed(EVERY_MINUTE, baseline=NOW - timedelta(minutes=3), now=NOW, policy="skip", grace_seconds=300)
    assert skip is not None and not skip.run and "SCHEDULER_MISSED_RUNS=skip" in skip.note


def test_a_long_outage_is_planned_without_walking_every_slot() -> None:
    plan = plan_missed(EVERY_MINUTE, baseline=NOW - timedelta(days=365), now=NOW, policy="once", grace_seconds=300)
    assert plan is not None and plan.run and plan.latest == datetime(2030, 1, 7, 0, 10, tzinfo=UTC)
    assert "49 or more earlier missed slot(s)" in plan.note


# -- missed runs at leader start ----------------------------------------------------
@pytest.mark.parametrize("policy", ["once", "skip"])
def test_missed_slots_at_leader_start_follow_the_policy(
    db: Session, leader_settings: Settings, engine, webhook: str, http_server, policy: str  # noqa: ANN001
) -> None:
    settings = leader_settings.model_copy(update={"SCHEDULER_MISSED_RUNS": policy})
    with clock.frozen(NOW - timedelta(minutes=3)):
        job = make_job(db, cron_expression="* * * * *", target_url=webhook, end_date=None)
        stale = make_job(db, cron_expression="0 9 * * *", target_url=webhook, end_date=None)
    with clock.frozen(NOW - timedelta(days=2)):
        db.execute(Job.__table__.update().where(Job.id == stale.id).values(updated_at=clock.utcnow()))
        db.commit()
    with clock.frozen(NOW):
        service = LeaderService(settings, make_sessionmaker(engine))
        service.start()
        service.scheduler.pause()  # only the catch-up is under test
        service.stop()
    [row] = executions(db, job)
    assert row.scheduled_for == datetime(2030, 1, 7, 0, 10, tzinfo=UTC)
    [stale_row] = executions(db, stale)
    assert stale_row.status == "failed" and stale_row.error_message.startswith(MISSED_RUN_PREFIX)
    assert stale_row.scheduled_for == datetime(2030, 1, 7, 0, 0, tzinfo=UTC)
    if policy == "once":
        assert row.status == "success" and row.output.startswith("Catch-up run (SCHEDULER_MISSED_RUNS=once)")
        assert len(http_server.requests) == 1
    else:
        assert row.status == "failed" and "SCHEDULER_MISSED_RUNS=skip" in row.error_message
        assert len(http_server.requests) == 0
