"""The shared from/to, status and paging rules (§3.6, §3.7, D1, D4, D9), and the
statements and totals the v2 stack reuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from shared_models.errors import ApiError
from shared_models.formats import utc_instant
from shared_models.services import executions
from shared_models.services.execution_totals import execution_totals
from shared_models.services.filters import (
    MAX_OFFSET,
    DateRange,
    ExecutionFilters,
    page_offset,
    page_window,
    parse_date_range,
    parse_execution_filters,
    parse_list,
    total_pages,
)
from shared_models.settings import Settings
from tests.helpers import at, make_execution, make_job

INVALID_DATE = {"error": "Invalid date", "message": "Invalid date format. Use YYYY-MM-DD or ISO datetime."}
INVALID_RANGE = {"error": "Invalid date range", "message": '"from" must be earlier than "to".'}


def test_no_bounds_is_an_open_range() -> None:
    assert parse_date_range({}) == DateRange(None, None)
    assert parse_date_range({"from": "", "to": "  "}) == DateRange(None, None)


def test_date_only_from_is_midnight_utc_and_to_covers_the_whole_day() -> None:
    parsed = parse_date_range({"from": "2026-01-05", "to": "2026-01-05"})
    assert parsed == DateRange(at(2026, 1, 5), at(2026, 1, 6))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-05T10:30:00Z", datetime(2026, 1, 5, 10, 30, tzinfo=UTC)),
        ("2026-01-05T10:30:00", datetime(2026, 1, 5, 10, 30, tzinfo=UTC)),  # naive = UTC
        ("2026-01-05T10:30:00+09:00", datetime(2026, 1, 5, 1, 30, tzinfo=UTC)),
        ("2026-01-05T10:30:00.250-02:00", datetime(2026, 1, 5, 12, 30, 0, 250000, tzinfo=UTC)),
    ],
)
def test_iso_values_are_converted_to_utc_and_not_shifted(raw: str, expected: datetime) -> None:
    assert parse_date_range({"from": raw}).start == expected
    assert parse_date_range({"to": raw}).end == expected


@pytest.mark.parametrize(
    "raw",
    ["garbage", "2026-13-01", "2026-02-30", "yesterday", "2026-01-05T25:00:00", "1", "9999-12-31"],
)
def test_unparseable_values_are_400_invalid_date(raw: str) -> None:
    # 9999-12-31 as `to` overflows when shifted one day on: still the user's fault, not a 500.
    with pytest.raises(ApiError) as caught:
        parse_date_range({"from": "2020-01-01", "to": raw})
    assert (caught.value.status, caught.value.body) == (400, INVALID_DATE)


def test_garbage_from_is_400_even_without_to() -> None:
    with pytest.raises(ApiError) as caught:
        parse_date_range({"from": "not-a-date"})
    assert caught.value.body == INVALID_DATE


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-01-06", "2026-01-05"), ("2026-01-05T00:00:00Z", "2026-01-05T09:00:00+09:00")],
)
def test_from_not_before_to_is_400_invalid_range(start: str, end: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_date_range({"from": start, "to": end})
    assert (caught.value.status, caught.value.body) == (400, INVALID_RANGE)


def test_same_date_only_from_and_to_is_a_valid_one_day_range() -> None:
    assert parse_date_range({"from": "2026-01-05", "to": "2026-01-05"}).end == at(2026, 1, 6)


def test_range_is_rendered_in_the_one_instant_format() -> None:
    rendered = parse_date_range({"from": "2026-01-05T01:02:03.456789+09:00", "to": "2026-01-31"}).as_dict()
    assert rendered == {"from": "2026-01-04T16:02:03.456Z", "to": "2026-02-01T00:00:00.000Z"}


def test_list_values_are_trimmed_and_blanks_dropped() -> None:
    assert parse_list({"status": " success , failed ,,"}, "status") == ("success", "failed")
    assert parse_list({"status": ""}, "status") == ()
    assert parse_list({}, "status") == ()


def test_execution_filters_read_only_the_accepted_keys() -> None:
    query = {"job_id": "j1", "status": "failed", "trigger_type": "manual", "execution_type": "webhook"}
    assert parse_execution_filters(query) == ExecutionFilters(
        job_id="j1", statuses=("failed",), trigger_type="manual", execution_type="webhook"
    )
    assert parse_execution_filters(query, accept=frozenset({"job_id"})) == ExecutionFilters(job_id="j1")
    # the path's job id wins over a query value
    assert parse_execution_filters(query, accept=frozenset(), job_id="path").job_id == "path"


def test_paging_helpers() -> None:
    assert page_offset(1, 20) == 0
    assert page_offset(3, 20) == 40
    assert page_offset(10**30, 200) == MAX_OFFSET
    assert [total_pages(n, 20) for n in (0, 1, 20, 21)] == [0, 1, 1, 2]


def test_list_statements_are_built_once_per_filter_and_paged_by_bind_values(db: Session) -> None:
    job = make_job(db, name="paged")
    started = [at(2026, 1, 1) + timedelta(minutes=n) for n in range(5)]
    ids = [make_execution(db, job, started_at=when, status="success").id for when in started]
    filters = parse_execution_filters({"status": "success"})
    statement = executions.executions_page_statement(filters)
    assert executions.executions_page_statement(parse_execution_filters({"status": "success"})) is statement
    assert executions.executions_page_statement(parse_execution_filters({"status": "failed"})) is not statement
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
        body = executions.execution_statistics(db.connection(), user_id="anyone", settings=settings, query={"job_id": job.id})
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
    filters = parse_execution_filters({"status": "failed", "from": "2026-01-01"})
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
