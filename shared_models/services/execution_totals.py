"""Execution counts and durations per status, for both statistics endpoints (§3.6.3, §3.6.6).

Two sources, one result: one aggregate pass over the execution rows, or the daily
rollup the database keeps in `execution_stat_deltas` (migration 0004). The rollup
answers the whole UTC days of a range, optionally for some statuses only; the rows
answer the rest (a job's figures, a trigger or execution type, and the partial days at
either end of a range). Either way the figures are exact.

Measured (SQLite, 1M executions over a year): the unfiltered pass over the rows took
~100 ms (COUNT(*) alone ~10 ms); the rollup (~1,100 rows once folded) well under 1 ms.
Hourly buckets were ~26,000 rows and ~5 ms.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from shared_models.models import ExecutionStatDelta, JobExecution
from shared_models.services.filters import STATEMENT_CACHE_SIZE, DateRange, ExecutionFilters, equals_any

DAY = timedelta(days=1)


@dataclass
class ExecutionTotals:
    """The figures both statistics endpoints report, summable across sources."""

    total: int = 0
    success: int = 0
    failed: int = 0
    running: int = 0
    duration_sum: float = 0.0
    duration_count: int = 0
    success_duration_sum: float = 0.0
    success_duration_count: int = 0

    def add(self, row: Any) -> ExecutionTotals:
        """Add one row of `_figures` columns (NULL sums of empty sets count as 0)."""
        for name, value in zip(FIGURES, row, strict=True):
            setattr(self, name, getattr(self, name) + (value or 0))
        return self

    def mean_duration(self) -> float | None:
        """The mean duration of every run with one; None when there is none."""
        return self.duration_sum / self.duration_count if self.duration_count else None

    def mean_success_duration(self) -> float | None:
        return (
            self.success_duration_sum / self.success_duration_count if self.success_duration_count else None
        )


FIGURES = [field.name for field in dataclasses.fields(ExecutionTotals)]


def _figures(runs: Any, duration_sum: Any, duration_count: Any, status: Any) -> tuple[Any, ...]:
    """The FIGURES as aggregate columns, given the aggregates of runs, duration sums and
    duration counts. One pass with FILTER, no GROUP BY (~20% faster on SQLite)."""
    is_success = status == "success"
    return (
        runs,
        runs.filter(is_success),
        runs.filter(status == "failed"),
        runs.filter(status == "running"),
        duration_sum,
        duration_count,
        duration_sum.filter(is_success),
        duration_count.filter(is_success),
    )


def day_key(instant: datetime) -> int:
    """The rollup's key of the UTC day holding `instant` (the triggers' YYYYMMDD)."""
    return int(instant.astimezone(UTC).strftime("%Y%m%d"))


def _floor_day(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _ceil_day(instant: datetime) -> datetime:
    floor = _floor_day(instant)
    return floor if floor == instant else floor + DAY


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def rows_statement(filters: ExecutionFilters) -> Select[Any]:
    """The figures of the matching execution rows."""
    duration = JobExecution.duration_seconds
    return select(
        *_figures(func.count(), func.sum(duration), func.count(duration), JobExecution.status)
    ).where(*filters.clauses())


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def rows_count_statement(filters: ExecutionFilters) -> Select[Any]:
    """How many execution rows match (§3.6.4 `total` when the rollup cannot answer). No
    join: job_id is NOT NULL with ON DELETE CASCADE, so every execution has its job."""
    return select(func.count()).select_from(JobExecution).where(*filters.clauses())


def _rollup(columns: Iterable[Any], days: DayRange, statuses: tuple[str, ...]) -> Select[Any]:
    """`columns` over the rollup rows of the whole days [start, end), of `statuses` if any."""
    delta = ExecutionStatDelta
    statement = select(*columns)
    if days.start is not None:
        statement = statement.where(delta.day_key >= day_key(days.start))
    if days.end is not None:
        statement = statement.where(delta.day_key < day_key(days.end))
    if statuses:
        statement = statement.where(equals_any(delta.status, statuses))
    return statement


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def rollup_statement(days: DayRange, statuses: tuple[str, ...] = ()) -> Select[Any]:
    """The rollup's figures over whole days."""
    delta = ExecutionStatDelta
    return _rollup(
        _figures(
            func.sum(delta.executions),
            func.sum(delta.duration_sum),
            func.sum(delta.duration_count),
            delta.status,
        ),
        days,
        statuses,
    )


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def rollup_count_statement(days: DayRange, statuses: tuple[str, ...] = ()) -> Select[Any]:
    """The rollup's execution count over whole days (one aggregate: the list's total)."""
    return _rollup([func.coalesce(func.sum(ExecutionStatDelta.executions), 0)], days, statuses)


def rollup_answers(filters: ExecutionFilters) -> bool:
    """Whether the rollup holds what `filters` select (it knows days and statuses only)."""
    return dataclasses.replace(filters, range=DateRange(), statuses=()) == ExecutionFilters()


@dataclass(frozen=True)
class DayRange:
    """Whole UTC days [start, end), either bound open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Plan:
    """Where the figures of a filter come from: whole days of the rollup (or None), plus
    the row reads for the rest (the partial days at a range's ends, or everything)."""

    days: DayRange | None
    rows: tuple[ExecutionFilters, ...]


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def plan(filters: ExecutionFilters) -> Plan:
    start, end = filters.range.start, filters.range.end
    whole_from = _ceil_day(start) if start is not None else None
    whole_to = _floor_day(end) if end is not None else None
    if not rollup_answers(filters) or (
        whole_from is not None and whole_to is not None and whole_from >= whole_to
    ):
        return Plan(None, (filters,))
    edges = tuple(
        dataclasses.replace(filters, range=DateRange(edge_start, edge_end))
        for edge_start, edge_end in ((start, whole_from), (whole_to, end))
        if edge_start is not None and edge_end is not None and edge_start < edge_end
    )
    return Plan(DayRange(whole_from, whole_to), edges)


def execution_totals(db: Session | Connection, filters: ExecutionFilters) -> ExecutionTotals:
    """The totals of the executions `filters` select, from the rollup where it can answer."""
    where = plan(filters)
    totals = ExecutionTotals()
    if where.days is not None:
        totals.add(db.execute(rollup_statement(where.days, filters.statuses)).one())
    for part in where.rows:
        totals.add(db.execute(rows_statement(part)).one())
    return totals


def execution_count(db: Session | Connection, filters: ExecutionFilters) -> int:
    """How many executions `filters` select (the same plan, one aggregate per read)."""
    where = plan(filters)
    count = 0
    if where.days is not None:
        count += db.execute(rollup_count_statement(where.days, filters.statuses)).scalar_one()
    for part in where.rows:
        count += db.execute(rows_count_statement(part)).scalar_one()
    return count


def fold_deltas(session: Session) -> int:
    """Sum the rollup rows of each (day, status) into one; returns the rows removed.

    DELETE ... RETURNING takes away exactly the rows it reports, in one statement, so
    a delta committed meanwhile by another writer is neither lost nor counted twice.
    """
    delta = ExecutionStatDelta
    key = tuple_(delta.day_key, delta.status)
    repeated = (
        select(delta.day_key, delta.status).group_by(delta.day_key, delta.status).having(func.count() > 1)
    )
    removed = session.execute(
        delete(delta)
        .where(key.in_(repeated))
        .returning(delta.day_key, delta.status, delta.executions, delta.duration_sum, delta.duration_count)
    ).all()
    folded: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for day, status, executions, duration_sum, duration_count in removed:
        sums = folded[(day, status)]
        sums[0] += executions
        sums[1] += duration_sum
        sums[2] += duration_count
    rows = [
        {
            "day_key": day,
            "status": status,
            "executions": runs,
            "duration_sum": total,
            "duration_count": counted,
        }
        for (day, status), (runs, total, counted) in folded.items()
        if runs or counted
    ]
    if rows:
        session.execute(insert(delta), rows)
    return len(removed) - len(rows)
