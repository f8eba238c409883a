"""The notification queries (§3.7.1, §3.7.2, §3.7.6, D9): `from`/`to` everywhere (the
only values that can be refused), paging and `unread_only` on the list."""

from __future__ import annotations

from pydantic import Field

from shared_models.contracts.fields import QueryInt, QueryTrue
from shared_models.contracts.ranges import DateRangeQuery

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class NotificationListQuery(DateRangeQuery):
    """GET /notifications: one page of the caller's notifications."""

    page: QueryInt = Field(1, description="1-based page, default 1; below 1 or not an integer → 1")
    per_page: QueryInt = Field(
        DEFAULT_PER_PAGE, description="Page size, default 20, at most 100; below 1 or not an integer → 20"
    )
    unread_only: QueryTrue = Field(False, description="`true` (any case) lists unread ones only")


NotificationRangeQuery = DateRangeQuery
"""GET /notifications/unread-count and DELETE /notifications/delete-read: `from`/`to` only."""
