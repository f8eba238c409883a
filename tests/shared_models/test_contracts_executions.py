"""The execution history queries (§3.6.1, §3.6.4, §3.6.6, D9): numbers read as
Werkzeug's `type=int` did, status lists, and the filters and paging the services use."""

from __future__ import annotations

import pytest

from shared_models.contracts import parse_query
from shared_models.contracts.executions import (
    ExecutionListQuery,
    ExecutionStatisticsQuery,
    JobExecutionListQuery,
)
from shared_models.services.executions import global_paging, job_list_limit, list_filters, statistics_filters
from shared_models.services.filters import DateRange, ExecutionFilters
from tests.helpers import at


@pytest.mark.parametrize(
    ("limit", "expected"), [(None, 50), ("7", 7), ("0", 0), ("500", 200), ("-1", 50), ("x", 50), ("", 50), ("2.5", 50)]
)
def test_job_list_limit(limit: str | None, expected: int) -> None:
    query = {} if limit is None else {"limit": limit}
    assert job_list_limit(parse_query(JobExecutionListQuery, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (1, 20)),
        ({"page": "3", "limit": "5"}, (3, 5)),
        ({"page": "0", "limit": "0"}, (1, 1)),
        ({"page": "-4", "limit": "999"}, (1, 200)),
        ({"page": "x", "limit": "y"}, (1, 20)),
        ({"per_page": "7"}, (1, 7)),  # D9: per_page is limit's alias
        ({"limit": "5", "per_page": "7"}, (1, 5)),  # limit wins
        ({"limit": "bad", "per_page": "7"}, (1, 20)),  # even a bad limit: it was sent
    ],
)
def test_global_paging(query: dict[str, str], expected: tuple[int, int]) -> None:
    assert global_paging(parse_query(ExecutionListQuery, query)) == expected


def test_status_lists_are_trimmed_and_blanks_dropped() -> None:
    assert parse_query(ExecutionListQuery, {"status": " success , failed ,,"}).status == ("success", "failed")
    assert parse_query(ExecutionListQuery, {"status": " , "}).status == ()
    assert parse_query(JobExecutionListQuery, {"status": "running"}).status == ("running",)


def test_list_filters_read_every_documented_key() -> None:
    query = {"job_id": " j1 ", "status": "failed", "trigger_type": "manual", "execution_type": "webhook",
             "from": "2026-01-05", "surprise": "ignored"}
    assert list_filters(parse_query(ExecutionListQuery, query)) == ExecutionFilters(
        job_id="j1", statuses=("failed",), trigger_type="manual", execution_type="webhook",
        range=DateRange(at(2026, 1, 5), None),
    )
    assert list_filters(parse_query(ExecutionListQuery, {"job_id": "  ", "trigger_type": ""})) == ExecutionFilters()


def test_statistics_filter_by_job_and_range_only() -> None:
    """§3.6.6: a status or type on the statistics route is an unknown key."""
    query = {"job_id": "j1", "status": "failed", "execution_type": "webhook", "to": "2026-01-05"}
    assert statistics_filters(parse_query(ExecutionStatisticsQuery, query)) == ExecutionFilters(
        job_id="j1", range=DateRange(None, at(2026, 1, 6))
    )
