"""Effectively-once delivery (issue 15): idempotency keys, phases, takeover, catch-up,
weekly maintenance once. A real local target records the keys it received; every wait
polls the database with a generous bound, nothing is timed against the clock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import maintenance
from scheduler.runner import Runner
from scheduler.service import LeaderService
from scheduler.takeover import MAX_SEND_ATTEMPTS
from shared_models import clock, executor
from shared_models.contracts.runs import TestRunBody
from shared_models.db import begin_write, make_sessionmaker
from shared_models.models import JobExecution, MaintenanceRun, Notification, SlackSettings
from shared_models.outbound import github
from shared_models.services.test_run import test_run as call_test_run
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import committed, make_execution, make_job, make_user
from tests.local_http import LocalHTTPServer, RecordedRequest, Reply

YEARLY = "0 0 1 1 *"
"""A cron that is never due in these tests, so a leader's catch-up leaves the job alone."""


def keys(server: LocalHTTPServer) -> list[str | None]:
    return [request.headers.get("Idempotency-Key") for request in server.requests]


def slot_key(job_id: str, slot: datetime) -> str:
    return f"{job_id}:{slot.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll until `check()` holds; the bound only stops a hung test."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def row(db: Session, execution_id: str) -> JobExecution:
    db.expire_all()
    found = db.get(JobExecution, execution_id)
    db.rollback()
    assert found is not None
    return found


def finished(db: Session, execution_id: str) -> bool:
    return row(db, execution_id).status != "running"


def lateness(note: str) -> float:
    match = re.search(r"(\d+\.\d) s (?:after the slot|late)", note)
    assert match, note
    return float(match.group(1))


# -- keys on every outbound call --------------------------------------------------
def test_a_scheduled_run_carries_its_slot_key_and_records_each_phase(
    db: Session, engine, leader_settings: Settings, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    seen_phases: list[str | None] = []
    factory = make_sessionmaker(engine)

    def answer(request: RecordedRequest) -> Reply:
        with factory() as session:  # what the row says while the call is in flight
            seen_phases.append(session.scalar(select(JobExecution.phase).where(JobExecution.job_id == job.id)))
        return Reply(body="done")

    http_server.on("/hook", handler=answer)
    job = make_job(db, target_url=http_server.url("/hook"), end_date=None)
    slot = datetime(2030, 1, 7, 0, 10, tzinfo=UTC)
    execution_id = Runner(leader_settings, factory).fire(job.id, slot)
    assert execution_id is not None
    assert keys(http_server) == [slot_key(job.id, slot)] == [f"{job.id}:2030-01-07T00:10:00Z"]
    assert seen_phases == ["sending"]
    done = row(db, execution_id)
    assert (done.status, done.phase, done.send_attempts, done.output) == ("success", "answered", 1, "done")


def test_a_claimed_row_starts_in_phase_claimed(db: Session, engine, leader_settings: Settings) -> None:  # noqa: ANN001
    job = make_job(db, end_date=None)
    runner = Runner(leader_settings, make_sessionmaker(engine))
    [execution_id] = runner.claim_due([(job.id, datetime(2030, 1, 7, 0, 10, tzinfo=UTC))])
    claimed = row(db, execution_id)
    assert (claimed.status, claimed.phase, claimed.send_attempts) == ("running", "claimed", 0)


def test_a_manual_run_is_keyed_by_its_execution_id(
    db: Session, engine, settings: Settings, webhook: str, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    job = make_job(db, target_url=webhook, end_date=None)
    begin_write(db)
    execution = executor.claim_execution(db, job=job, trigger_type="manual")
    assert execution is not None
    db.commit()
    executor.run_execution(session_factory=make_sessionmaker(engine), settings=settings, execution_id=execution.id)
    assert keys(http_server) == [execution.id]
    assert row(db, execution.id).phase == "answered"


def test_a_test_run_has_a_fresh_key_per_call(settings: Settings, webhook: str, http_server: LocalHTTPServer) -> None:
    body = TestRunBody(target_url=webhook)
    call_test_run(settings=settings, body=body)
    call_test_run(settings=settings, body=body)
    first, second = keys(http_server)
    assert first and second and first != second


def test_every_github_retry_carries_the_same_key(database_url: str, http_server: LocalHTTPServer) -> None:
    path = "/repos/acme/app/actions/workflows/ci.yml/dispatches"
    http_server.on(path, times=1, status=502)
    http_server.on(path, status=204)
    settings = make_settings(database_url, GITHUB_API_URL=http_server.url("/"))
    result = github.dispatch_workflow(
        settings=settings, owner="acme", repo="app", workflow="ci.yml", token="t", ref="main",
        policy=github.RetryPolicy(sleep=lambda _s: None, backoff_seconds=0.0), idempotency_key="job-1:2030-01-07T00:10:00Z",
    )
    assert result.ok
    assert keys(http_server) == ["job-1:2030-01-07T00:10:00Z"] * 2


# -- takeover: what a new leader does with its predecessor's running rows ------------
def _take_over(leader_settings: Settings, engine) -> LeaderService:  # noqa: ANN001
    service = LeaderService(leader_settings, make_sessionmaker(engine))
    service.start()
    return service


def test_takeover_resolves_each_phase(
    db: Session, engine, leader_settings: Settings, webhook: str, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    make_user(db, "admin")
    job = make_job(db, target_url=webhook, end_date=None, cron_expression=YEARLY)
    now = clock.utcnow().replace(second=0, microsecond=0)
    slots = [now - timedelta(minutes=n) for n in (2, 3, 4, 5, 6)]
    started = now - timedelta(minutes=1)

    def running(slot: datetime, **fields: object) -> JobExecution:
        values: dict[str, object] = {"completed_at": None, "response_status": None, **fields}
        return make_execution(db, job, status="running", duration_seconds=None, started_at=started,
                              scheduled_for=slot, **values)

    never_sent = running(slots[0], phase="claimed")
    in_flight = running(slots[1], phase="sending", send_attempts=1)
    resend_in_flight = running(slots[2], phase="sending", send_attempts=MAX_SEND_ATTEMPTS)
    answered = running(slots[3], phase="answered", response_status=200, output="ok", execution_type="webhook",
                       target=webhook, completed_at=started + timedelta(seconds=3))
    unphased = running(slots[4], phase=None)
    service = _take_over(leader_settings, engine)
    try:
        wait_for(lambda: all(finished(db, e.id) for e in (never_sent, in_flight, answered)))
    finally:
        service.stop()
    # Exactly two calls: the never-sent slot and the one keyed resend; nothing else is sent.
    assert sorted(keys(http_server)) == sorted([slot_key(job.id, slots[0]), slot_key(job.id, slots[1])])

    sent = row(db, never_sent.id)
    assert (sent.status, sent.phase, sent.send_attempts) == ("success", "answered", 1)
    assert sent.output.startswith("Takeover: the scheduler leader that claimed this slot stopped before sending it")
    assert lateness(sent.output) >= (now - slots[0]).total_seconds()  # the real lateness, not the plan's

    resent = row(db, in_flight.id)
    assert (resent.status, resent.send_attempts) == ("success", 2)
    assert "first outcome is unknown" in resent.output and "same Idempotency-Key" in resent.output

    gave_up = row(db, resend_in_flight.id)
    assert gave_up.status == "failed" and gave_up.error_message.startswith("Outcome unknown")
    assert gave_up.duration_seconds is not None and gave_up.duration_seconds >= 60.0  # claimed a minute before
    assert slot_key(job.id, slots[2]) in gave_up.error_message

    done = row(db, answered.id)
    assert (done.status, done.response_status, done.output) == ("success", 200, "ok")
    assert done.duration_seconds == 3.0  # the stored answer's time, not the takeover's
    assert db.scalar(select(func.count()).select_from(Notification).where(
        Notification.related_execution_id == answered.id)) == 1

    old = row(db, unphased.id)
    assert old.status == "failed" and old.error_message.startswith("Interrupted")
    assert service.takeover is not None
    assert (len(service.takeover.send), service.takeover.resent, service.takeover.gave_up) == (2, 1, 1)


def test_a_takeover_resend_that_fails_is_recorded_with_the_unknown_first_outcome(
    db: Session, engine, leader_settings: Settings, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    http_server.on("/down", status=503)
    job = make_job(db, target_url=http_server.url("/down"), end_date=None, cron_expression=YEARLY)
    slot = clock.utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    execution = make_execution(db, job, status="running", completed_at=None, duration_seconds=None,
                               response_status=None, scheduled_for=slot, phase="sending", send_attempts=1)
    service = _take_over(leader_settings, engine)
    try:
        wait_for(lambda: finished(db, execution.id))
    finally:
        service.stop()
    failed = row(db, execution.id)
    assert (failed.status, failed.response_status) == ("failed", 503)
    assert "first outcome is unknown" in failed.output
    assert keys(http_server) == [slot_key(job.id, slot)]


# -- catch-up through the burst path -------------------------------------------------
def test_missed_slots_are_caught_up_in_parallel_once_each_with_their_lateness(
    db: Session, engine, database_url: str, tmp_path, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    in_flight = [0, 0]  # now, most at once
    lock = threading.Lock()

    def slow(_request: RecordedRequest) -> Reply:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        return Reply(body="ok")

    http_server.on("/hook", handler=slow)
    settings = make_settings(
        database_url, SCHEDULER_ENABLED=True, SCHEDULER_LOCK_PATH=str(tmp_path / "lock"),
        SCHEDULER_MISSED_RUNS="once", SCHEDULER_MISFIRE_GRACE_SECONDS=600,
    )
    now = clock.utcnow()
    jobs = [make_job(db, target_url=http_server.url("/hook"), end_date=None, cron_expression="*/5 * * * *")
            for _ in range(30)]
    begin_write(db)
    for job in jobs:
        job.updated_at = now - timedelta(minutes=10)  # created before the outage
    db.commit()
    service = LeaderService(settings, make_sessionmaker(engine))
    service.start()
    try:
        wait_for(lambda: len(http_server.requests) >= 30 and not any(
            r.status == "running" for r in committed(db, JobExecution)))
    finally:
        service.stop()
    rows = committed(db, JobExecution)
    assert len(rows) == 30 and {r.status for r in rows} == {"success"}
    latest = max(r.scheduled_for for r in rows)
    assert {r.scheduled_for for r in rows} == {latest}
    assert sorted(keys(http_server)) == sorted(slot_key(job.id, latest) for job in jobs)  # once each
    for r in rows:
        assert r.output.startswith("Catch-up run (SCHEDULER_MISSED_RUNS=once)")
        assert lateness(r.output) >= (now - latest).total_seconds()
    assert in_flight[1] > 1  # in parallel, not one job at a time


# -- the weekly maintenance, once ----------------------------------------------------
MONDAY_9_JST = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)


def _slack(db: Session, server: LocalHTTPServer) -> None:
    server.on("/slack", method="POST", body="ok")
    db.add(SlackSettings(is_enabled=True, webhook_url=server.url("/slack"), channel="#ops"))
    db.commit()


def test_maintenance_applies_once_per_slot(
    db: Session, engine, leader_settings: Settings, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    _slack(db, http_server)
    owner = make_user(db, "user")
    make_job(db, owner, end_date=datetime(2030, 1, 1).date())
    factory = make_sessionmaker(engine)
    with clock.frozen(MONDAY_9_JST):
        first = maintenance.run_once(session_factory=factory, settings=leader_settings, slot=MONDAY_9_JST,
                                     today=MONDAY_9_JST.date())
        second = maintenance.run_once(session_factory=factory, settings=leader_settings, slot=MONDAY_9_JST,
                                      today=MONDAY_9_JST.date())
    assert first is not None and len(first.paused) == 1 and first.slack_posts == 1
    assert second is None
    assert len(http_server.requests) == 1
    assert db.scalar(select(func.count()).select_from(Notification)) == 1
    [record] = committed(db, MaintenanceRun)
    assert (record.posted, record.finished_at is not None) == (1, True)


def test_a_leader_dying_mid_maintenance_leaves_only_the_unposted_rest(
    db: Session, engine, leader_settings: Settings, http_server: LocalHTTPServer  # noqa: ANN001
) -> None:
    """Died after the commit, one of three Slack posts out: the next leader posts the two others."""
    _slack(db, http_server)
    db.add(MaintenanceRun(name=maintenance.JOB_ID, slot=MONDAY_9_JST, applied_at=MONDAY_9_JST,
                          messages='["one", "two", "three"]', posted=1))
    db.commit()
    with clock.frozen(MONDAY_9_JST + timedelta(seconds=30)):
        maintenance.resume(session_factory=make_sessionmaker(engine), settings=leader_settings)
    assert [request.json()["text"] for request in http_server.requests] == ["two", "three"]
    [record] = committed(db, MaintenanceRun)
    assert record.posted == 3 and record.finished_at is not None


def test_a_leader_dying_before_the_maintenance_commit_leaves_it_to_the_next(
    db: Session, engine, leader_settings: Settings  # noqa: ANN001
) -> None:
    owner = make_user(db, "user")
    make_job(db, owner, end_date=datetime(2030, 1, 1).date())
    factory = make_sessionmaker(engine)
    with clock.frozen(MONDAY_9_JST + timedelta(seconds=30)):  # within the grace window
        result = maintenance.resume(session_factory=factory, settings=leader_settings)
        again = maintenance.resume(session_factory=factory, settings=leader_settings)
    assert result is not None and len(result.paused) == 1
    assert again is None
    assert [r.slot for r in committed(db, MaintenanceRun)] == [MONDAY_9_JST]
    with clock.frozen(MONDAY_9_JST + timedelta(days=1)):  # past the grace: a new deployment does not run it
        assert maintenance.resume(session_factory=factory, settings=leader_settings) is None
