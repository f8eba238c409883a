"""The filter values, paging and statements the execution and notification reads share
(§3.6, §3.7, D4, D9), and the totals the v2 stack reuses. How a query is read and
refused: tests/shared_models/test_contracts_*.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from shared_models.contracts import parse_query
from shared_models.contracts.executions import ExecutionListQuery, ExecutionStatisticsQuery
from shared_models.contracts.ranges import DateRangeQuery
from shared_models.formats import utc_instant
from shared_models.services import executions
from shared_models.services.execution_totals import execution_totals
from shared_models.services.filters import (
    MAX_OFFSET,
    DateRange,
    ExecutionFilters,
    page_offset,
    page_window,
    total_pages,
)
from shared_models.settings import Settings
from tests.helpers import at, make_execution, make_job


def range_of(query: dict[str, str]) -> DateRange:
    return DateRange.of(parse_query(DateRangeQuery, query))


def list_filters(query: dict[str, str]) -> ExecutionFilters:
    return executions.list_filters(parse_query(ExecutionListQuery, query))


def test_range_is_rendered_in_the_one_instant_format() -> None:
    rendered = range_of({"from": "2026-01-05T01:02:03.456789+09:00", "to": "2026-01-31"}).as_dict()
    assert rendered == {"from": "2026-01-04T16:02:03.456Z", "to": "2026-02-01T00:00:00.000Z"}


def test_paging_helpers() -> None:
    assert page_offset(1, 20) == 0
    assert page_offset(3, 20) == 40
    assert page_offset(10**30, 200) == MAX_OFFSET
    assert [total_pages(n, 20) for n in (0, 1, 20, 21)] == [0, 1, 1, 2]


def test_list_statements_are_built_once_per_filter_and_paged_by_bind_values(db: Session) -> None:
    job = make_job(db, name="paged")
    started = [at(2026, 1, 1) + timedelta(minutes=n) for n in range(5)]
    ids = [make_execution(db, job, started_at=when, status="success").id for when in started]
    filters = list_filters({"status": "success"})
    statement = executions.executions_page_statement(filters)
    assert executions.executions_page_statement(list_filters({"status": "success"})) is statement
    assert executions.executions_page_statement(list_filters({"status": "failed"})) is not statement
    pages = [[execution.id for execution, _name, _repo in db.execute(statement, page_window(page, 2))] for page in (1, 2, 3, 4)]
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1], []]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (datetime(2026, 11, 26, 12, 51, 4, 775999, tzinfo=UTC), "2026-11-26T12:51:04.775Z"),
        (datetime(2026, 11, 26, 21, 51, 4, 5000, tzinfo=timezone(timedelta(hours=9))), "2026-11-26T12:51:04.005Z"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05.000Z"),  # naive: already UTC
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),
    ],
)
def test_instants_are_written_in_utc_with_truncated_milliseconds(value: datetime | None, expected: str | None) -> None:
    assert utc_instant(value) == expected


def test_statistics_take_one_statement(db: Session, engine: Engine, settings: Settings) -> None:
    """The 1M-row benchmark and the v2 stack rely on a single aggregate pass."""
    job = make_job(db)
    make_execution(db, job, status="success", duration_seconds=2.0)
    make_execution(db, job, status="failed", duration_seconds=4.0)
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        body = executions.execution_statistics(db.connection(), user_id="anyone", settings=settings, query=ExecutionStatisticsQuery(job_id=job.id))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    queries = [sql for sql in statements if sql.lstrip().upper() != "BEGIN"]  # SQLite's explicit BEGIN
    assert len(queries) == 1
    assert queries[0].count("SELECT") == 1
    assert body["total_executions"] == 2
    assert body["average_duration_seconds"] == 3.0


def test_job_totals_filter_by_range(db: Session) -> None:
    job = make_job(db)
    inside = at(2026, 1, 5, 12)
    make_execution(db, job, started_at=inside, status="success", duration_seconds=1.0)
    make_execution(db, job, started_at=inside - timedelta(days=10), status="failed", duration_seconds=9.0)
    filters = ExecutionFilters(job_id=job.id, range=DateRange(at(2026, 1, 1), None))
    totals = execution_totals(db, filters)
    assert (totals.total, totals.success, totals.failed, totals.running) == (1, 1, 0, 0)
    assert (totals.mean_duration(), totals.mean_success_duration()) == (1.0, 1.0)


def test_statements_run_on_an_async_session(db: Session, settings: Settings) -> None:
    """The v2 stack executes these very statements asynchronously and formats alike."""
    import asyncio

    from shared_models.db import make_async_engine, make_async_sessionmaker

    job = make_job(db, name="async-job", github_repo="repo")
    run = make_execution(db, job, status="failed", duration_seconds=2.0, started_at=at(2026, 1, 2))
    filters = list_filters({"status": "failed", "from": "2026-01-01"})
    expected_row = executions.execution_row_to_dict(
        db.connection().execute(executions.executions_page_statement(filters), page_window(1, 20)).one()
    )

    async def run_async() -> tuple[dict, dict]:
        engine = make_async_engine(settings)
        try:
            async with make_async_sessionmaker(engine)() as session:
                totals = await session.run_sync(execution_totals, filters)
            async with engine.connect() as connection:
                rows = (await connection.execute(executions.executions_page_statement(filters), page_window(1, 20))).all()
            return executions.global_statistics_body(filters, totals), executions.execution_row_to_dict(rows[0])
        finally:
            await engine.dispose()

    stats_body, row_body = asyncio.run(run_async())
    assert stats_body["failed_executions"] == 1
    assert stats_body["range"] == {"from": "2026-01-01T00:00:00.000Z", "to": None}
    assert row_body == expected_row
    assert (row_body["id"], row_body["job_name"], row_body["github_repo"]) == (run.id, "async-job", "repo")
