"""The daily execution rollup (migration 0004): triggers keep it equal to the rows through
inserts, updates, deletes and job cascades, on SQLite and PostgreSQL, folded or not, for
every range shape and status filter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from shared_models.models import ExecutionStatDelta, Job, JobExecution
from shared_models.services.execution_totals import (
    ExecutionTotals,
    execution_count,
    execution_totals,
    fold_deltas,
    rollup_answers,
    rows_statement,
)
from shared_models.services.filters import DateRange, ExecutionFilters
from tests.helpers import at, make_job

STATUSES = ("success", "failed", "running", "skipped")
START = at(2026, 3, 1)

SPAN = timedelta(days=10)
RANGES = [
    DateRange(),
    DateRange(START + timedelta(days=2), None),  # whole days from
    DateRange(None, START + timedelta(days=6)),  # whole days to
    DateRange(START + timedelta(days=1, hours=3, minutes=17), START + timedelta(days=7, hours=5, seconds=9)),
    DateRange(START + timedelta(days=3, hours=7), START + timedelta(days=3, hours=19)),  # inside one day
    DateRange(START + timedelta(days=3, hours=7), START + timedelta(days=4, hours=2)),  # no whole day
    DateRange(START + timedelta(days=30), None),  # nothing there
]
STATUS_FILTERS = [(), ("failed",), ("success", "running")]


def figures(totals: ExecutionTotals) -> tuple[object, ...]:
    """Counts exactly; means to 1e-9 (the rollup adds the same durations in another order)."""
    means = (totals.mean_duration(), totals.mean_success_duration())
    return (
        totals.total,
        totals.success,
        totals.failed,
        totals.running,
        *(None if mean is None else pytest.approx(mean, rel=1e-9) for mean in means),
    )


def from_rows(db: Session, filters: ExecutionFilters) -> ExecutionTotals:
    """The truth: the same figures straight from the execution rows."""
    return ExecutionTotals().add(db.execute(rows_statement(filters)).one())


def every_filter() -> list[ExecutionFilters]:
    return [ExecutionFilters(range=r, statuses=statuses) for r in RANGES for statuses in STATUS_FILTERS]


def assert_rollup_matches_rows(db: Session) -> None:
    for filters in every_filter():
        assert rollup_answers(filters)
        assert figures(execution_totals(db, filters)) == figures(from_rows(db, filters)), filters
        assert execution_count(db, filters) == from_rows(db, filters).total


def random_start(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(0, int(SPAN.total_seconds())))


def add_executions(db: Session, jobs: list[Job], rng: random.Random, count: int) -> None:
    for _ in range(count):
        status = rng.choice(STATUSES)
        duration = None if status == "running" or rng.random() < 0.1 else round(rng.uniform(0.1, 90), 3)
        db.add(
            JobExecution(
                job_id=rng.choice(jobs).id,
                status=status,
                trigger_type="scheduled",
                started_at=random_start(rng),
                duration_seconds=duration,
            )
        )
    db.commit()


def test_rollup_follows_every_kind_of_write(db: Session) -> None:
    rng = random.Random(4)
    jobs = [make_job(db, name=f"job-{n}") for n in range(4)]
    add_executions(db, jobs, rng, 300)
    assert_rollup_matches_rows(db)

    # Runs finishing (running → success with a duration), and moved start times.
    running = db.scalars(select(JobExecution.id).where(JobExecution.status == "running").limit(40)).all()
    db.execute(
        update(JobExecution).where(JobExecution.id.in_(running)).values(status="success", duration_seconds=3.5)
    )
    moved = db.scalars(select(JobExecution.id).order_by(JobExecution.id).limit(25)).all()
    for execution_id in moved:
        db.execute(
            update(JobExecution).where(JobExecution.id == execution_id).values(started_at=random_start(rng))
        )
    # An update that touches no tracked column leaves the rollup alone.
    db.execute(update(JobExecution).values(output="noted"))
    db.commit()
    assert_rollup_matches_rows(db)

    # Deleted rows, then a deleted job whose executions go by ON DELETE CASCADE.
    db.execute(delete(JobExecution).where(JobExecution.id.in_(moved[:10])))
    db.execute(delete(Job).where(Job.id == jobs[0].id))
    db.commit()
    assert db.scalar(select(func.count()).select_from(JobExecution).where(JobExecution.job_id == jobs[0].id)) == 0
    assert_rollup_matches_rows(db)


def test_folding_keeps_the_figures_and_leaves_one_row_per_day_and_status(db: Session) -> None:
    rng = random.Random(9)
    jobs = [make_job(db, name=f"job-{n}") for n in range(2)]
    add_executions(db, jobs, rng, 200)
    db.execute(delete(JobExecution).where(JobExecution.status == "skipped"))  # groups that sum to nothing
    db.commit()
    before = [figures(execution_totals(db, filters)) for filters in every_filter()]
    rows_before = db.scalar(select(func.count()).select_from(ExecutionStatDelta))

    removed = fold_deltas(db)
    db.commit()

    rows_after = db.scalar(select(func.count()).select_from(ExecutionStatDelta))
    assert removed == rows_before - rows_after > 0
    groups = db.execute(
        select(ExecutionStatDelta.day_key, ExecutionStatDelta.status, func.count()).group_by(
            ExecutionStatDelta.day_key, ExecutionStatDelta.status
        )
    ).all()
    assert all(count == 1 for _day, _status, count in groups)
    assert "skipped" not in {status for _day, status, _count in groups}
    assert [figures(execution_totals(db, filters)) for filters in every_filter()] == before
    assert fold_deltas(db) == 0  # nothing left to fold


def test_job_filter_reads_the_rows_not_the_rollup(db: Session) -> None:
    """The rollup has no job column: a job's figures (and count) come from its rows."""
    rng = random.Random(2)
    jobs = [make_job(db, name=f"job-{n}") for n in range(3)]
    add_executions(db, jobs, rng, 120)
    db.execute(delete(ExecutionStatDelta))  # a rollup that would be wrong if it were read
    db.commit()
    for job in jobs:
        filters = ExecutionFilters(job_id=job.id)
        truth = ExecutionTotals().add(db.execute(rows_statement(filters)).one())
        assert truth.total > 0
        assert not rollup_answers(filters)
        assert figures(execution_totals(db, filters)) == figures(truth)
        assert execution_count(db, filters) == truth.total
    assert execution_totals(db, ExecutionFilters()).total == 0  # the unfiltered figures do read it
    assert execution_count(db, ExecutionFilters(statuses=("failed",))) == 0
