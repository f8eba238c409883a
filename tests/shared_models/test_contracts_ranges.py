"""The `from`/`to` contract every execution and notification query shares (§3.6, §3.7, D1):
what the bounds mean, and the refusals in check order (`from`, `to`, then the range)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared_models.contracts import parse_query
from shared_models.contracts.ranges import DateRangeQuery
from shared_models.errors import ApiError
from tests.helpers import at

INVALID_DATE = {"error": "Invalid date", "message": "Invalid date format. Use YYYY-MM-DD or ISO datetime."}
INVALID_RANGE = {"error": "Invalid date range", "message": '"from" must be earlier than "to".'}


def bounds(query: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    parsed = parse_query(DateRangeQuery, query)
    return parsed.start, parsed.end


def refusal(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiError) as caught:
        parse_query(DateRangeQuery, query)
    return caught.value.status, caught.value.body


def test_no_bound_or_a_blank_one_is_an_open_range() -> None:
    assert bounds({}) == (None, None)
    assert bounds({"from": "", "to": "  "}) == (None, None)


def test_date_only_from_is_midnight_utc_and_to_covers_the_whole_day() -> None:
    assert bounds({"from": "2026-01-05", "to": "2026-01-05"}) == (at(2026, 1, 5), at(2026, 1, 6))
    assert bounds({"from": " 2026-01-05 "}) == (at(2026, 1, 5), None)  # surrounding blanks ignored


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
    assert bounds({"from": raw}) == (expected, None)
    assert bounds({"to": raw}) == (None, expected)


@pytest.mark.parametrize(
    "raw", ["garbage", "2026-13-01", "2026-02-30", "yesterday", "2026-01-05T25:00:00", "1", "9999-12-31"]
)
def test_unparseable_to_is_400_invalid_date(raw: str) -> None:
    # 9999-12-31 as `to` overflows when shifted one day on: still the caller's fault, not a 500.
    assert refusal({"from": "2020-01-01", "to": raw}) == (400, INVALID_DATE)


def test_garbage_from_is_400_even_without_to() -> None:
    assert refusal({"from": "not-a-date"}) == (400, INVALID_DATE)


@pytest.mark.parametrize(
    ("start", "end"), [("2026-01-06", "2026-01-05"), ("2026-01-05T00:00:00Z", "2026-01-05T09:00:00+09:00")]
)
def test_from_not_before_to_is_400_invalid_range(start: str, end: str) -> None:
    assert refusal({"from": start, "to": end}) == (400, INVALID_RANGE)


def test_a_bad_date_is_reported_before_the_range() -> None:
    """`from` is read, then `to`, then the range: a bad bound never reaches the range check."""
    assert refusal({"from": "2026-01-06", "to": "nope"}) == (400, INVALID_DATE)
    assert refusal({"from": "nope", "to": "2026-01-01"}) == (400, INVALID_DATE)


def test_only_the_json_names_are_read() -> None:
    """The fields are `start`/`end` in Python; `?start=` is an unknown key, ignored as the
    legacy ignored it (never a 400)."""
    assert bounds({"start": "garbage", "end": "garbage"}) == (None, None)


def test_the_schema_offers_a_date_an_instant_or_blank() -> None:
    properties = DateRangeQuery.model_json_schema(by_alias=True)["properties"]
    assert set(properties) == {"from", "to"}
    for schema in properties.values():
        assert [alternative.get("format") for alternative in schema["anyOf"]] == ["date", "date-time", None]
