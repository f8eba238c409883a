"""The notification list query (§3.7.1, D9): paging as Flask-SQLAlchemy's
`paginate(error_out=False)` used it, and `unread_only` on `true` alone."""

from __future__ import annotations

import pytest

from shared_models.contracts import parse_query
from shared_models.contracts.notifications import NotificationListQuery
from shared_models.services.notifications import paging


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (1, 20)),
        ({"page": "2", "per_page": "5"}, (2, 5)),
        ({"page": "0", "per_page": "0"}, (1, 20)),  # per_page below 1 → the default, not 1
        ({"page": "-3", "per_page": "-1"}, (1, 20)),
        ({"per_page": "500"}, (1, 100)),
        ({"page": "x", "per_page": "1.5"}, (1, 20)),
    ],
)
def test_paging(query: dict[str, str], expected: tuple[int, int]) -> None:
    assert paging(parse_query(NotificationListQuery, query)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("TRUE", True), ("True", True), (" true", False), ("1", False), ("yes", False), ("", False)]
)
def test_unread_only_is_true_alone_in_any_case(raw: str, expected: bool) -> None:
    assert parse_query(NotificationListQuery, {"unread_only": raw}).unread_only is expected
    assert parse_query(NotificationListQuery, {}).unread_only is False
