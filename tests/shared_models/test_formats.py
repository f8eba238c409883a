"""`stored_instant` (the one-step read of the hot reads' instants) against the general path.

The general path is what a UTCDateTime column gives `utc_instant`: the driver's value
through SQLAlchemy's DateTime processor, made aware in UTC. Both must write the same
string for every value either database returns (SQLite: text, PostgreSQL: naive
datetimes), and refuse the same text.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from shared_models.formats import stored_instant, utc_instant
from shared_models.models.base import UTCDateTime

SQLITE = sqlite.dialect()
POSTGRESQL = postgresql.dialect()
EDGE_MICROSECONDS = (0, 1, 999, 1000, 1001, 499_999, 500_000, 998_999, 999_000, 999_999)


def general_path(value: Any, dialect: Any) -> str | None:
    """utc_instant of what a UTCDateTime column reads from the driver value `value`."""
    return utc_instant(UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)(value))


def sqlite_text(naive: datetime) -> str:
    """The text SQLAlchemy stores in SQLite for `naive` (its DATETIME storage format)."""
    return sqlite.DATETIME().bind_processor(SQLITE)(naive)


def random_instants(count: int) -> list[datetime]:
    rng = random.Random(20261207)
    start, span = datetime(1, 1, 1), (datetime(9999, 12, 31, 23, 59, 59) - datetime(1, 1, 1)).total_seconds()
    instants = [start + timedelta(seconds=rng.randrange(int(span))) for _ in range(count)]
    instants = [moment.replace(microsecond=rng.choice(EDGE_MICROSECONDS + (rng.randrange(1_000_000),)))
                for moment in instants]
    instants += [datetime(1, 1, 1), datetime(1, 1, 1, 0, 0, 0, 999), datetime(9999, 12, 31, 23, 59, 59, 999_999),
                 datetime(2026, 11, 26, 12, 51, 4, 775_999), datetime(2024, 2, 29, 23, 59, 59, 1000)]
    return instants


def test_sqlite_text_and_naive_datetimes_read_as_the_general_path_writes_them() -> None:
    for instant in random_instants(20_000):
        text = sqlite_text(instant)
        expected = (f"{instant.year:04d}-{instant.month:02d}-{instant.day:02d}T{instant.hour:02d}:"
                    f"{instant.minute:02d}:{instant.second:02d}.{instant.microsecond // 1000:03d}Z")
        assert stored_instant(text) == general_path(text, SQLITE) == expected, text
        assert stored_instant(instant) == general_path(instant, POSTGRESQL) == expected, instant


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-26 12:51:04",  # no fraction (a server default, not SQLAlchemy)
        "2026-11-26 12:51:04.7",
        "2026-11-26 12:51:04.775",
        "2026-11-26T12:51:04.775123",
        "2026-11-26 12:51:04.775123+09:00",
        "2026-11-26 12:51:04.775123Z",
        "2026-11-26 12:51",
        "2026-11-26",
        "20261126T125104",
        "2026-W48-4 12:51:04.775123",
        "2026-11-26 12:51:04,775123",
    ],
)
def test_other_text_takes_the_general_path(text: str) -> None:
    assert stored_instant(text) == general_path(text, SQLITE)


@pytest.mark.parametrize("text", ["2026-13-26 12:51:04.775123", "2026-02-30 00:00:00.000000", "", "garbage",
                                  "2026-11-26 24:00:00.000000", "２０２６-11-26 12:51:04.775123"])
def test_text_the_driver_refuses_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        general_path(text, SQLITE)
    with pytest.raises(ValueError):
        stored_instant(text)


def test_none_and_aware_values_read_as_the_general_path() -> None:
    assert stored_instant(None) is None is general_path(None, SQLITE)
    tokyo = timezone(timedelta(hours=9))
    for value, expected in (
        (datetime(2026, 11, 26, 21, 51, 4, 775_999, tzinfo=tokyo), "2026-11-26T12:51:04.775Z"),
        (datetime(2026, 11, 26, 12, 51, 4, 999, tzinfo=UTC), "2026-11-26T12:51:04.000Z"),
        (datetime(1, 1, 1, 9, 0, 0, 1000, tzinfo=tokyo), "0001-01-01T00:00:00.001Z"),
    ):
        assert stored_instant(value) == general_path(value, POSTGRESQL) == expected


def test_utc_instant_passes_a_rendered_instant_on_and_refuses_other_text() -> None:
    assert utc_instant("2026-11-26T12:51:04.775Z") == "2026-11-26T12:51:04.775Z"
    with pytest.raises(TypeError):
        utc_instant("2026-11-26 12:51:04.775123")  # raw SQLite text read without its column type
