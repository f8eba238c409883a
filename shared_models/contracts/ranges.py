"""The `from`/`to` filter every execution and notification query takes (§3.6, §3.7, D1, D4).

    ?from=2026-01-05&to=2026-01-05  →  start 2026-01-05T00:00Z, end 2026-01-06T00:00Z

Check order: `from`, then `to` (each 400 "Invalid date"), then the range itself (400
"Invalid date range"). The fields are named `start`/`end` (`from` is a Python keyword)
and read ONLY under their aliases: a `?start=` is an unknown key, ignored as the legacy did.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator

from shared_models.contracts.base import QueryContract, refuse
from shared_models.contracts.fields import RangeEnd, RangeStart
from shared_models.errors import bad_request

INVALID_RANGE_MESSAGE = '"from" must be earlier than "to".'


class DateRangeQuery(QueryContract):
    """A query with the `from` (inclusive) / `to` (exclusive) bounds, either may be open."""

    model_config = ConfigDict(populate_by_name=False, validate_by_name=False, validate_by_alias=True)

    start: RangeStart = Field(
        None, alias="from", description="Inclusive lower bound: YYYY-MM-DD (midnight UTC) or an ISO datetime (naive = UTC)"
    )
    end: RangeEnd = Field(
        None, alias="to", description="Exclusive upper bound, same formats; a date-only value includes that whole day"
    )

    @model_validator(mode="after")
    def _from_before_to(self) -> DateRangeQuery:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise refuse(bad_request("Invalid date range", INVALID_RANGE_MESSAGE))
        return self
