"""Query filters and paging shared by the execution and notification endpoints (§3.6, §3.7, D1).

The query values arrive validated (`shared_models.contracts.ranges` / `.executions` /
`.notifications`: one contract for `from`/`to`, so both resources and both stacks refuse
the same values with the same 400). Here they become the frozen filter values the
statements are built and memoized from; the only difference between the resources is
the compared column (`started_at` for executions, `created_at` for notifications).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, Select, bindparam, false

from shared_models.contracts.ranges import DateRangeQuery
from shared_models.formats import utc_instant
from shared_models.models import JobExecution
from shared_models.rows import named_rows

# OFFSET is a signed 64-bit value in SQLite and PostgreSQL; a page beyond it is empty.
MAX_OFFSET = 2**63 - 1


@dataclass(frozen=True)
class DateRange:
    """`from` (inclusive) and `to` (exclusive) as aware UTC instants, either may be open."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of(cls, query: DateRangeQuery) -> DateRange:
        """The bounds of a validated query (the contract refused bad dates and ranges)."""
        return cls(query.start, query.end)

    def as_dict(self) -> dict[str, str | None]:
        """The `range` key of a response. D4: the same `...Z` format for executions and
        notifications alike (the legacy rendered `+00:00` and naive ISO respectively)."""
        return {"from": utc_instant(self.start), "to": utc_instant(self.end)}

    def clauses(self, column: Any) -> list[ColumnElement[bool]]:
        """`column >= from` and `column < to`, for the bounds that are set."""
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions


def equals_any(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column = v` / `column IN (...)`. Values holding NUL never get here: both stacks
    refuse them at the door (`shared_models.requests.check_url_text`)."""
    if not values:
        return false()
    return column == values[0] if len(values) == 1 else column.in_(values)


@dataclass(frozen=True)
class ExecutionFilters:
    """What may narrow a set of executions. An unknown status or type simply matches
    nothing (as in the legacy): the values are filters, not validated enums."""

    job_id: str | None = None
    statuses: tuple[str, ...] = ()
    trigger_type: str | None = None
    execution_type: str | None = None
    range: DateRange = field(default_factory=DateRange)

    def clauses(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.job_id is not None:
            conditions.append(equals_any(JobExecution.job_id, [self.job_id]))
        if self.statuses:
            conditions.append(equals_any(JobExecution.status, self.statuses))
        if self.trigger_type is not None:
            conditions.append(equals_any(JobExecution.trigger_type, [self.trigger_type]))
        if self.execution_type is not None:
            conditions.append(equals_any(JobExecution.execution_type, [self.execution_type]))
        conditions.extend(self.range.clauses(JobExecution.started_at))
        return conditions


# --- paging (both paged lists) -----------------------------------------------------------


PAGE_LIMIT = bindparam("page_limit", type_=BigInteger)
PAGE_OFFSET = bindparam("page_offset", type_=BigInteger)  # up to MAX_OFFSET
STATEMENT_CACHE_SIZE = 512
"""Entries per memoized statement builder (`functools.lru_cache`).

The list statements are pure functions of frozen filter values, so they are built once
per distinct filter and reused: building one took ~15% of a v2 list request. The page
window is left out of the key as the bind parameters PAGE_LIMIT / PAGE_OFFSET, whose
values `page_window` gives per request."""


def windowed(statement: Select[Any]) -> Select[Any]:
    """`statement` limited to the page window of `page_window`'s bind values."""
    return statement.limit(PAGE_LIMIT).offset(PAGE_OFFSET)


def page_window(page: int, per_page: int) -> dict[str, int]:
    """The bind values of `windowed` for a 1-based page of `per_page` rows."""
    return {"page_limit": per_page, "page_offset": page_offset(page, per_page)}


def page_offset(page: int, per_page: int) -> int:
    """Rows to skip for a 1-based page, capped so a huge page is empty rather than an error."""
    return min((page - 1) * per_page, MAX_OFFSET)


def page_with_total(
    connection: Connection, page: Select[Any], count: Select[Any], window: Mapping[str, int]
) -> tuple[list[Any], int]:
    """A page (`window`: its bind values) and the total it is part of, in one round trip
    where there is a page.

    The total rides along as an uncorrelated scalar subquery column, which SQLite and
    PostgreSQL evaluate once per statement; only a page past the end (no row to carry
    it) costs a second query. Saves one execute per paged request (~10% of its time).
    """
    rows = named_rows(connection.execute(_with_total(page, count), window))
    total = rows[0].page_total if rows else connection.execute(count).scalar_one()
    return rows, total


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _with_total(page: Select[Any], count: Select[Any]) -> Select[Any]:
    """Keyed by the (memoized) statements themselves."""
    return page.add_columns(count.scalar_subquery().label("page_total"))


def total_pages(total: int, per_page: int) -> int:
    """ceil(total / per_page), 0 when there is nothing."""
    return -(-total // per_page) if total else 0
