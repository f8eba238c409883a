"""Batched claims: a burst of due slots is claimed in a few transactions, each run once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from scheduler.claims import ClaimBatcher
from scheduler.runner import Runner
from shared_models import clock
from shared_models.db import make_sessionmaker
from shared_models.models import Job, JobExecution
from shared_models.settings import Settings
from tests.helpers import committed, make_job

SLOT = datetime(2030, 1, 7, 0, 10, tzinfo=UTC)


def test_claim_due_skips_inactive_missing_and_claimed_and_pauses_expired(
    db: Session, engine, leader_settings: Settings, webhook: str  # noqa: ANN001
) -> None:
    runner = Runner(leader_settings, make_sessionmaker(engine))
    active = [make_job(db, target_url=webhook, end_date=None) for _ in range(3)]
    inactive = make_job(db, target_url=webhook, end_date=None, is_active=False)
    expired = make_job(db, target_url=webhook, end_date=date(2030, 1, 6))
    assert runner.claim_due([(active[0].id, SLOT)])  # claimed before the burst
    with clock.frozen(SLOT):
        ids = runner.claim_due(
            [(job.id, SLOT) for job in active] + [(inactive.id, SLOT), (expired.id, SLOT), ("gone", SLOT)]
        )
    rows = {row.id: row for row in committed(db, JobExecution)}
    assert len(ids) == 2 and {rows[i].job_id for i in ids} == {active[1].id, active[2].id}
    assert {row.job_id for row in rows.values()} == {job.id for job in active}
    db.expire_all()
    assert db.get(Job, expired.id).is_active is False  # paused, as `fire` does
    for execution_id in ids:
        runner.run(execution_id)
    assert {row.status for row in committed(db, JobExecution) if row.id in ids} == {"success"}


def test_a_burst_is_claimed_in_few_batches_then_run_once_each(
    db: Session, engine, leader_settings: Settings, webhook: str, http_server  # noqa: ANN001
) -> None:
    runner = Runner(leader_settings, make_sessionmaker(engine))
    jobs = [make_job(db, target_url=webhook, end_date=None) for _ in range(150)]
    batches: list[int] = []
    first_run = threading.Event()
    claimed_when_runs_began: list[int] = []

    def claim(batch: list[tuple[str, datetime]]) -> list[str]:
        batches.append(len(batch))
        return runner.claim_due(batch)

    def run(execution_id: str) -> None:
        if not first_run.is_set():
            first_run.set()
            claimed_when_runs_began.append(sum(batches))
        runner.run(execution_id)

    batcher = ClaimBatcher(claim=claim, run=run, fire_one=runner.fire, run_workers=8, window=0.05, settle=0.2)
    batcher.start()
    for job in jobs:
        batcher.submit(job.id, SLOT)
        batcher.submit(job.id, SLOT)  # a duplicate hand-over claims nothing
    batcher.stop(wait=True)
    rows = committed(db, JobExecution)
    assert len(rows) == 150 and {row.status for row in rows} == {"success"}
    assert len(http_server.requests) == 150
    assert sum(batches) == 300 and len(batches) <= 5, batches
    assert claimed_when_runs_began == [300]  # runs waited for the burst to be claimed


def test_a_failed_batch_falls_back_to_one_by_one(
    db: Session, engine, leader_settings: Settings, webhook: str  # noqa: ANN001
) -> None:
    runner = Runner(leader_settings, make_sessionmaker(engine))
    jobs = [make_job(db, target_url=webhook, end_date=None) for _ in range(3)]

    def broken(_batch: list[tuple[str, datetime]]) -> list[str]:
        raise RuntimeError("database went away")

    batcher = ClaimBatcher(claim=broken, run=runner.run, fire_one=runner.fire, run_workers=2)
    batcher.start()
    for job in jobs:
        batcher.submit(job.id, SLOT)
    time.sleep(0.1)
    batcher.stop(wait=True)
    rows = committed(db, JobExecution)
    assert sorted(row.job_id for row in rows) == sorted(job.id for job in jobs)
    assert {(row.status, row.scheduled_for) for row in rows} == {("success", SLOT)}
