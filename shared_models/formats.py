"""How values are written in responses (D4) and how dates are read from requests."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

SQLITE_DATETIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")
"""How SQLAlchemy stores a DateTime in SQLite (its default storage format, always 6 digits
of microseconds): the text `stored_instant` may cut into the D4 form directly."""


def utc_instant(value: datetime | str | None) -> str | None:
    """A stored UTC instant as `2026-11-26T12:51:04.775Z` (milliseconds truncated).

    A str is an instant already in that form (`stored_instant`, which the `WireInstant`
    column type of the hot reads applies to their rows) and is returned as it is; other
    text (say a raw SQLite value read without its column type) is refused, not passed on.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value.endswith("Z"):
            return value
        raise TypeError(f"not a rendered instant: {value!r}")
    if value.tzinfo is not None and value.tzinfo is not UTC:  # stored values are read back in UTC
        value = value.astimezone(UTC)
    # %-formatting: half the cost of the f-string (a list page writes ~60 of these).
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond // 1000
    )


def stored_instant(value: Any) -> str | None:
    """`utc_instant` of a naive-UTC instant as the driver returns it (SQLite: its text,
    PostgreSQL: a naive datetime), without the aware datetime in between.

    The same string as the general path (the DateTime processor, `UTCDateTime` making it
    aware, then `utc_instant`), at a fraction of the cost: `replace(tzinfo=...)` alone
    costs ~0.6 µs and a job list page reads 60 instants, in both stacks. Text that
    `datetime.fromisoformat` (SQLAlchemy's SQLite reader) refuses raises as it did.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        text = value
        value = datetime.fromisoformat(text)
        if SQLITE_DATETIME_TEXT.fullmatch(text):
            # Same digits: %04d/%02d give back the stored fields, and the first three
            # digits of the microseconds are `microsecond // 1000`.
            return f"{text[:10]}T{text[11:23]}Z"
    if value.tzinfo is not None:
        return utc_instant(value)
    # The positional form: isoformat's keyword parsing costs more than the formatting.
    return value.isoformat("T", "milliseconds") + "Z"


def zoned_time(value: datetime | None) -> str | None:
    """A schedule time in the scheduler zone, seconds precision, with its offset."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat()


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class InvalidDate(ValueError):
    """A `from`/`to` query value that is neither YYYY-MM-DD nor an ISO datetime."""


def parse_range_bound(raw: str, *, is_upper: bool) -> datetime:
    """Read a `from`/`to` filter value as an aware UTC instant.

    `YYYY-MM-DD` is midnight UTC; a date-only upper bound moves one day on so the whole
    day is included. Other values are ISO datetimes (`Z` allowed); naive ones are UTC.
    """
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if is_upper else start
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # 9999-12-31 + 1 day overflows
        raise InvalidDate(text) from exc


def parse_iso_date(raw: str) -> date:
    """`YYYY-MM-DD` exactly (raises ValueError otherwise)."""
    text = raw.strip()
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)
