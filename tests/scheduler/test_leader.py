"""One leader at a time; a standby takes over within 5 s; writes reach the leader in 2 s."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from scheduler import reconcile, start_candidate
from scheduler.leader import leader_pid, make_lock
from scheduler.reconcile import Reconciler
from shared_models import scheduler_status
from shared_models.clock import utcnow
from shared_models.db import begin_write, make_sessionmaker
from shared_models.models import Job, LoginAttempt, RevokedToken
from shared_models.settings import Settings
from tests.helpers import make_job
from tests.scheduler.conftest import Candidates


def test_only_one_lock_holder(leader_settings: Settings) -> None:
    first, second = make_lock(leader_settings), make_lock(leader_settings)
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        first.release()
        assert second.try_acquire() is True
    finally:
        first.release()
        second.release()


def test_disabled_scheduler_starts_nothing(leader_settings: Settings) -> None:
    handle = start_candidate(leader_settings.model_copy(update={"SCHEDULER_ENABLED": False}))
    try:
        assert handle.wait_until_leader(0.5) is False
        assert leader_pid(leader_settings) is None
    finally:
        handle.stop()


def test_embedded_candidates_one_leads_and_health_sees_it(leader_settings: Settings, engine) -> None:  # noqa: ANN001
    candidates = [start_candidate(leader_settings), start_candidate(leader_settings)]
    try:
        deadline = time.monotonic() + 5
        while not any(c.is_leader for c in candidates):
            assert time.monotonic() < deadline, "no leader within 5 s"
            time.sleep(0.02)
        time.sleep(0.5)
        first, second = sorted(candidates, key=lambda c: not c.is_leader)
        assert (first.is_leader, second.is_leader) == (True, False)
        assert scheduler_status.is_running() and scheduler_status.scheduled_jobs_count() == 1  # maintenance
        started = time.monotonic()
        first.stop()
        assert second.wait_until_leader(5)
        assert time.monotonic() - started < 5
    finally:
        for candidate in candidates:
            candidate.stop()
    assert scheduler_status.is_running() is False


def test_standby_process_takes_over_within_5_s_of_a_sigkill(candidates: Candidates) -> None:
    candidates.spawn()
    leader = candidates.wait_for_leader(15)
    candidates.spawn()
    time.sleep(2.0)  # the standby is up and polling
    assert leader_pid(candidates.settings) == leader
    killed = time.monotonic()
    candidates.kill(leader)
    successor = candidates.wait_for_leader(5, exclude=leader)
    assert successor != leader
    assert time.monotonic() - killed < 5


def test_writes_reach_the_leader_within_2_s(db: Session, leader_settings: Settings, webhook: str) -> None:
    handle = start_candidate(leader_settings)
    try:
        assert handle.wait_until_leader(5)

        def scheduled(job_id: str) -> object:
            service = handle.service
            assert service is not None
            return service.scheduler.get_job(job_id)

        def within_2_s(check) -> float:  # noqa: ANN001
            started = time.monotonic()
            while not check():
                assert time.monotonic() - started < 2.0, "not reconciled within 2 s"
                time.sleep(0.02)
            return time.monotonic() - started

        job = make_job(db, cron_expression="0 9 * * 0", target_url=webhook, end_date=None)
        within_2_s(lambda: scheduled(job.id) is not None)
        assert str(scheduled(job.id).trigger) == "cron[0 9 * * 0]"
        job.cron_expression = "30 8 * * 1"
        db.commit()
        within_2_s(lambda: str(getattr(scheduled(job.id), "trigger", "")) == "cron[30 8 * * 1]")
        job.is_active = False
        db.commit()
        within_2_s(lambda: scheduled(job.id) is None)
        job.is_active = True
        db.commit()
        within_2_s(lambda: scheduled(job.id) is not None)
        db.delete(job)
        db.commit()
        within_2_s(lambda: scheduled(job.id) is None)
    finally:
        handle.stop()


class Recorder:
    def __init__(self) -> None:
        self.added: list[str] = []
        self.removed: list[str] = []

    def schedule(self, job_id: str, _trigger: object) -> None:
        self.added.append(job_id)

    def unschedule(self, job_id: str) -> None:
        self.removed.append(job_id)


@pytest.mark.parametrize("count", [10_000])
def test_reconcile_is_incremental_over_10000_jobs(
    db: Session, leader_settings: Settings, engine, count: int, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    """An unchanged pass is one SELECT and a dictionary walk: no trigger rebuilt, nothing rescheduled."""
    now = datetime(2030, 1, 7, tzinfo=UTC)
    rows = [
        {"name": f"bulk-{n}", "cron_expression": f"{n % 60} * * * *", "category": "general",
         "is_active": True, "created_at": now, "updated_at": now}
        for n in range(count)
    ]
    begin_write(db)
    db.execute(Job.__table__.insert(), [{"id": f"job-{n:05d}", **row} for n, row in enumerate(rows)])
    db.commit()
    recorder = Recorder()
    reconciler = Reconciler(
        settings=leader_settings, session_factory=make_sessionmaker(engine),
        schedule=recorder.schedule, unschedule=recorder.unschedule,
    )
    first = reconciler.run()
    assert len(first.added) == count == len(recorder.added)
    recorder.added.clear()
    statements: list[str] = []
    triggers_built: list[str] = []
    monkeypatch.setattr(reconcile, "EngineCronTrigger", lambda expression, tz: triggers_built.append(expression))

    def record_statement(_conn, _cursor, statement: str, *_rest) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record_statement)
    try:
        quiet = reconciler.run()
    finally:
        event.remove(engine, "before_cursor_execute", record_statement)
    assert (quiet.added, quiet.removed, recorder.added) == ([], [], [])
    assert quiet.scanned == count
    assert triggers_built == [], "an unchanged pass rebuilt triggers"
    queries = [text for text in statements if text.strip().upper() != "BEGIN"]
    assert len(queries) == 1 and queries[0].lstrip().upper().startswith("SELECT"), queries
    begin_write(db)
    db.execute(Job.__table__.update().where(Job.id == "job-00007").values(cron_expression="5 5 * * *", updated_at=datetime(2030, 1, 8, tzinfo=UTC)))
    db.execute(Job.__table__.update().where(Job.id == "job-00008").values(is_active=False))
    db.execute(Job.__table__.delete().where(Job.id == "job-00009"))
    db.commit()
    changed = reconciler.run()
    assert [s.job_id for s in changed.added] == ["job-00007"]
    assert sorted(changed.removed) == ["job-00008", "job-00009"]


def test_a_new_leader_purges_expired_revocations_and_login_windows(
    db: Session, leader_settings: Settings, engine  # noqa: ANN001
) -> None:
    now = utcnow()
    db.add_all([
        RevokedToken(jti="expired", token_type="access", expires_at=now - timedelta(hours=1)),
        RevokedToken(jti="live", token_type="access", expires_at=now + timedelta(hours=1)),
        LoginAttempt(key="old", window_start=now - timedelta(hours=1), count=10),
    ])
    db.commit()
    candidate = start_candidate(leader_settings)
    try:
        assert candidate.wait_until_leader(5)
        deadline = time.monotonic() + 5
        while True:
            db.rollback()
            if set(db.scalars(select(RevokedToken.jti))) == {"live"}:
                break
            assert time.monotonic() < deadline, "expired rows not purged"
            time.sleep(0.05)
        assert list(db.scalars(select(LoginAttempt.key))) == []
    finally:
        candidate.stop()
