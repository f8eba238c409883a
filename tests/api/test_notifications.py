"""The caller's notifications under /api/notifications (§3.7, D4, D9, D18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.models import Notification, User
from shared_models.settings import Settings
from tests.helpers import at, bearer, make_notification, make_notifications, make_user, table_rows
from tests.stacks import ApiClient

INVALID_DATE = {"error": "Invalid date", "message": "Invalid date format. Use YYYY-MM-DD or ISO datetime."}
INVALID_RANGE = {"error": "Invalid date range", "message": '"from" must be earlier than "to".'}
MISSING_TOKEN = {"msg": "Missing Authorization Header"}
NOT_FOUND = {"error": "Notification not found"}
URL_NOT_FOUND = {"error": "Not found", "message": "The requested URL was not found."}
NUL_IN_QUERY = {"error": "Invalid payload", "message": "Text must not contain NUL characters."}


@pytest.fixture
def me(db: Session) -> User:
    return make_user(db, "viewer")


@pytest.fixture
def other(db: Session) -> User:
    return make_user(db, "admin")


@pytest.fixture
def headers(settings: Settings, me: User) -> dict[str, str]:
    return bearer(settings, me)


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["notifications"]]


def stored(db: Session, notification_id: str) -> dict | None:
    return next((row for row in table_rows(db, Notification) if row["id"] == notification_id), None)


# --- 3.7.1 list ----------------------------------------------------------------------------


def test_list_shape_is_exact_and_only_mine(
    client: ApiClient, db: Session, headers: dict, me: User, other: User
) -> None:
    mine = make_notification(
        db,
        me,
        title="Job Failed",
        message="boom",
        type="error",
        created_at=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
        is_read=True,
        read_at=datetime(2026, 3, 5, 0, 0, 0, 5000, tzinfo=UTC),
    )
    make_notification(db, other)

    response = client.get("/api/notifications", headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "notifications": [
            {
                "id": mine.id,
                "user_id": me.id,
                "title": "Job Failed",
                "message": "boom",
                "type": "error",
                "related_job_id": None,
                "related_execution_id": None,
                "is_read": True,
                "read_at": "2026-03-05T00:00:00.005Z",
                "created_at": "2026-03-04T05:06:07.891Z",
            }
        ],
        "total": 1,
        "page": 1,
        "per_page": 20,
        "total_pages": 1,
        "range": {"from": None, "to": None},
    }


def test_list_empty(client: ApiClient, headers: dict) -> None:
    assert client.get("/api/notifications", headers=headers).get_json() == {
        "notifications": [],
        "total": 0,
        "page": 1,
        "per_page": 20,
        "total_pages": 0,
        "range": {"from": None, "to": None},
    }


def test_list_is_newest_first_with_ties_by_id_desc(client: ApiClient, db: Session, headers: dict, me: User) -> None:
    same = at(2026, 1, 2)
    rows = make_notifications(db, me, [same, same, same, at(2026, 1, 3), at(2026, 1, 1)])
    expected = [rows[3].id, *sorted((r.id for r in rows[:3]), reverse=True), rows[4].id]
    assert ids(client.get("/api/notifications", headers=headers).get_json()) == expected


@pytest.mark.parametrize(
    ("query", "page", "per_page", "window"),
    [
        ("", 1, 20, slice(0, 20)),
        ("page=2", 2, 20, slice(20, 40)),
        ("page=3", 3, 20, slice(0, 0)),  # past the end: empty list
        ("page=0", 1, 20, slice(0, 20)),  # D9: the effective page is echoed, not the raw 0
        ("page=-4", 1, 20, slice(0, 20)),
        ("page=abc", 1, 20, slice(0, 20)),
        ("page=99999999999999999999999", 99999999999999999999999, 20, slice(0, 0)),
        ("per_page=10&page=3", 3, 10, slice(20, 30)),
        ("per_page=0", 1, 20, slice(0, 20)),  # below 1 → 20, echoed as used
        ("per_page=-1", 1, 20, slice(0, 20)),
        ("per_page=x", 1, 20, slice(0, 20)),
        ("per_page=1000", 1, 100, slice(0, 25)),  # at most 100
    ],
)
def test_paging(
    client: ApiClient, db: Session, headers: dict, me: User, query: str, page: int, per_page: int, window: slice
) -> None:
    rows = make_notifications(db, me, [at(2026, 1, 1) + timedelta(minutes=i) for i in range(25)])
    newest_first = [row.id for row in reversed(rows)]

    response = client.get(f"/api/notifications?{query}", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (page, per_page, 25)
    assert body["total_pages"] == -(-25 // per_page)
    assert ids(body) == newest_first[window]


@pytest.mark.parametrize(("flag", "only_unread"), [("true", True), ("TRUE", True), ("1", False), ("false", False)])
def test_unread_only(
    client: ApiClient, db: Session, headers: dict, me: User, flag: str, only_unread: bool
) -> None:
    unread = make_notification(db, me, created_at=at(2026, 1, 2))
    read = make_notification(db, me, created_at=at(2026, 1, 1), is_read=True, read_at=at(2026, 1, 2))

    body = client.get(f"/api/notifications?unread_only={flag}", headers=headers).get_json()

    assert ids(body) == ([unread.id] if only_unread else [unread.id, read.id])
    assert body["total"] == len(body["notifications"])


def test_date_filters_and_range_echo(client: ApiClient, db: Session, headers: dict, me: User) -> None:
    day1 = make_notification(db, me, created_at=at(2026, 1, 1, 23, 59))
    day2 = make_notification(db, me, created_at=at(2026, 1, 2, 12))
    day3 = make_notification(db, me, created_at=at(2026, 1, 3))

    body = client.get("/api/notifications?from=2026-01-02&to=2026-01-02", headers=headers).get_json()
    assert ids(body) == [day2.id]
    # D4: the range uses the one instant format (the legacy sent naive ISO here)
    assert body["range"] == {"from": "2026-01-02T00:00:00.000Z", "to": "2026-01-03T00:00:00.000Z"}

    body = client.get("/api/notifications?to=2026-01-03T00:00:00Z", headers=headers).get_json()
    assert ids(body) == [day2.id, day1.id]
    body = client.get("/api/notifications?from=2026-01-03T08:00:00%2B09:00", headers=headers).get_json()
    assert ids(body) == [day3.id]
    assert body["range"] == {"from": "2026-01-02T23:00:00.000Z", "to": None}


BAD_DATES = [
    ("from=garbage", INVALID_DATE),
    ("to=2026-02-31", INVALID_DATE),
    ("to=9999-12-31", INVALID_DATE),
    ("from=2026-01-02&to=2026-01-01", INVALID_RANGE),
    ("from=2026-01-02T00:00:00Z&to=2026-01-02T00:00:00Z", INVALID_RANGE),
]


@pytest.mark.parametrize(("query", "expected"), BAD_DATES)
@pytest.mark.parametrize("path", ["/api/notifications", "/api/notifications/unread-count"])
def test_bad_dates_are_400(client: ApiClient, headers: dict, path: str, query: str, expected: dict) -> None:
    response = client.get(f"{path}?{query}", headers=headers)
    assert (response.status_code, response.get_json()) == (400, expected)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/notifications"), ("get", "/api/notifications/unread-count"), ("delete", "/api/notifications/delete-read")],
)
def test_the_token_owner_is_checked_before_the_dates(
    client: ApiClient, db: Session, settings: Settings, method: str, path: str
) -> None:
    """401 for a token whose user is gone, whatever the query holds (the legacy's order)."""
    gone = make_user(db, "viewer")
    headers = bearer(settings, gone)
    gone.is_active = False
    db.commit()
    response = getattr(client, method)(f"{path}?from=garbage", headers=headers)
    assert (response.status_code, response.get_json()) == (401, {"msg": "User not found or inactive"})


def test_a_python_field_name_is_not_a_query_key(client: ApiClient, headers: dict) -> None:
    """`start`/`end` are the contract's field names for `from`/`to`: as query keys they
    are unknown, so ignored."""
    response = client.get("/api/notifications/unread-count?start=garbage&end=garbage", headers=headers)
    assert (response.status_code, response.get_json()["range"]) == (200, {"from": None, "to": None})


def test_trailing_slash_is_404(client: ApiClient, headers: dict) -> None:
    response = client.get("/api/notifications/", headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found", "message": "The requested URL was not found."}


# --- 3.7.2 unread count --------------------------------------------------------------------


def test_unread_count_is_mine_and_unread_only(
    client: ApiClient, db: Session, headers: dict, me: User, other: User
) -> None:
    make_notifications(db, me, [at(2026, 1, 1), at(2026, 1, 5)])
    make_notification(db, me, is_read=True, read_at=at(2026, 1, 6))
    make_notifications(db, other, [at(2026, 1, 1)] * 3)

    response = client.get("/api/notifications/unread-count", headers=headers)
    assert (response.status_code, response.get_json()) == (
        200,
        {"unread_count": 2, "range": {"from": None, "to": None}},
    )
    ranged = client.get("/api/notifications/unread-count?from=2026-01-02", headers=headers).get_json()
    assert ranged == {"unread_count": 1, "range": {"from": "2026-01-02T00:00:00.000Z", "to": None}}


# --- 3.7.3 mark read -----------------------------------------------------------------------


def test_mark_read_stamps_read_at_once(client: ApiClient, db: Session, headers: dict, me: User) -> None:
    notification = make_notification(db, me, created_at=at(2026, 1, 1))
    sibling = make_notification(db, me, created_at=at(2026, 1, 1))
    clock.freeze(datetime(2026, 2, 3, 4, 5, 6, 789999, tzinfo=UTC))

    response = client.put(f"/api/notifications/{notification.id}/read", headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "message": "Notification marked as read",
        "notification": {
            "id": notification.id,
            "user_id": me.id,
            "title": notification.title,
            "message": notification.message,
            "type": notification.type,
            "related_job_id": None,
            "related_execution_id": None,
            "is_read": True,
            "read_at": "2026-02-03T04:05:06.789Z",
            "created_at": "2026-01-01T00:00:00.000Z",
        },
    }
    row = stored(db, notification.id)
    assert row is not None and row["is_read"] is True
    first_read_at = row["read_at"]

    clock.advance(timedelta(hours=1))
    again = client.put(f"/api/notifications/{notification.id}/read", headers=headers)
    assert again.status_code == 200
    assert again.get_json()["notification"]["read_at"] == "2026-02-03T04:05:06.789Z"
    assert stored(db, notification.id)["read_at"] == first_read_at  # idempotent
    assert stored(db, sibling.id)["is_read"] is False  # others untouched


def test_mark_read_unknown_is_404(client: ApiClient, headers: dict) -> None:
    response = client.put("/api/notifications/nope/read", headers=headers)
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("role", ["admin", "user", "viewer"])
def test_mark_read_of_another_users_is_403(
    client: ApiClient, db: Session, settings: Settings, other: User, role: str
) -> None:
    theirs = make_notification(db, other)
    before = table_rows(db, Notification)

    response = client.put(f"/api/notifications/{theirs.id}/read", headers=bearer(settings, make_user(db, role)))

    assert response.status_code == 403
    assert response.get_json() == {"error": "Forbidden: Cannot access other users notifications"}
    assert table_rows(db, Notification) == before


# --- 3.7.4 read-all ------------------------------------------------------------------------


def test_read_all_marks_only_my_unread(
    client: ApiClient, db: Session, headers: dict, me: User, other: User
) -> None:
    unread = make_notifications(db, me, [at(2026, 1, 1), at(2026, 1, 2)])
    already = make_notification(db, me, is_read=True, read_at=at(2026, 1, 3))
    theirs = make_notification(db, other)
    clock.freeze(at(2026, 5, 1, 12))

    response = client.put("/api/notifications/read-all", headers=headers)

    assert (response.status_code, response.get_json()) == (
        200,
        {"message": "All notifications marked as read", "updated_count": 2},
    )
    unread_ids, already_id, theirs_id = [row.id for row in unread], already.id, theirs.id
    for row_id in unread_ids:
        assert stored(db, row_id)["is_read"] is True
        assert stored(db, row_id)["read_at"] == at(2026, 5, 1, 12)
    assert stored(db, already_id)["read_at"] == at(2026, 1, 3)
    assert stored(db, theirs_id)["is_read"] is False

    again = client.put("/api/notifications/read-all", headers=headers)
    assert again.get_json()["updated_count"] == 0


# --- 3.7.5 delete one ----------------------------------------------------------------------


def test_delete_one(client: ApiClient, db: Session, headers: dict, me: User) -> None:
    doomed, kept = make_notification(db, me).id, make_notification(db, me).id

    response = client.delete(f"/api/notifications/{doomed}", headers=headers)

    assert (response.status_code, response.get_json()) == (200, {"message": "Notification deleted successfully"})
    assert stored(db, doomed) is None
    assert stored(db, kept) is not None
    second = client.delete(f"/api/notifications/{doomed}", headers=headers)
    assert (second.status_code, second.get_json()) == (404, NOT_FOUND)


def test_delete_another_users_is_403_and_keeps_it(
    client: ApiClient, db: Session, headers: dict, other: User
) -> None:
    theirs = make_notification(db, other)
    response = client.delete(f"/api/notifications/{theirs.id}", headers=headers)
    assert response.status_code == 403
    assert response.get_json() == {"error": "Forbidden: Cannot delete other users notifications"}
    assert stored(db, theirs.id) is not None


def test_delete_unknown_is_404(client: ApiClient, headers: dict) -> None:
    response = client.delete("/api/notifications/nope", headers=headers)
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


# --- 3.7.6 delete-read ---------------------------------------------------------------------


def test_delete_read_removes_only_my_read(
    client: ApiClient, db: Session, headers: dict, me: User, other: User
) -> None:
    old_read, new_read = (
        row.id for row in make_notifications(db, me, [at(2026, 1, 1), at(2026, 1, 5)], is_read=True, read_at=at(2026, 1, 6))
    )
    unread = make_notification(db, me).id
    theirs = make_notification(db, other, is_read=True, read_at=at(2026, 1, 6)).id

    response = client.delete("/api/notifications/delete-read?from=2026-01-02", headers=headers)
    assert (response.status_code, response.get_json()) == (200, {"deleted_count": 1})
    assert stored(db, new_read) is None
    assert stored(db, old_read) is not None  # outside the range

    response = client.delete("/api/notifications/delete-read", headers=headers)
    assert (response.status_code, response.get_json()) == (200, {"deleted_count": 1})
    remaining = {row["id"] for row in table_rows(db, Notification)}
    assert remaining == {unread, theirs}


@pytest.mark.parametrize(("query", "expected"), BAD_DATES)
def test_delete_read_bad_dates_are_400_and_delete_nothing(
    client: ApiClient, db: Session, headers: dict, me: User, query: str, expected: dict
) -> None:
    make_notification(db, me, is_read=True, read_at=at(2026, 1, 6))
    before = table_rows(db, Notification)
    response = client.delete(f"/api/notifications/delete-read?{query}", headers=headers)
    assert (response.status_code, response.get_json()) == (400, expected)
    assert table_rows(db, Notification) == before


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "user", "admin"])
def test_every_role_manages_its_own(client: ApiClient, db: Session, settings: Settings, role: str) -> None:
    user = make_user(db, role)
    headers = bearer(settings, user)
    first, second = make_notification(db, user).id, make_notification(db, user).id
    assert client.get("/api/notifications", headers=headers).get_json()["total"] == 2
    assert client.get("/api/notifications/unread-count", headers=headers).get_json()["unread_count"] == 2
    assert client.put(f"/api/notifications/{first}/read", headers=headers).status_code == 200
    assert client.put("/api/notifications/read-all", headers=headers).get_json()["updated_count"] == 1
    assert client.delete(f"/api/notifications/{first}", headers=headers).status_code == 200
    assert client.delete("/api/notifications/delete-read", headers=headers).get_json() == {"deleted_count": 1}
    assert stored(db, second) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/notifications"),
        ("get", "/api/notifications/unread-count"),
        ("put", "/api/notifications/{nid}/read"),
        ("put", "/api/notifications/read-all"),
        ("delete", "/api/notifications/{nid}"),
        ("delete", "/api/notifications/delete-read"),
    ],
)
def test_anonymous_is_401_and_changes_nothing(
    client: ApiClient, db: Session, me: User, method: str, path: str
) -> None:
    notification = make_notification(db, me, is_read=True, read_at=at(2026, 1, 1))
    before = table_rows(db, Notification)
    response = getattr(client, method)(path.format(nid=notification.id))
    assert (response.status_code, response.get_json()) == (401, MISSING_TOKEN)
    assert table_rows(db, Notification) == before


def test_ids_no_row_can_hold_are_404(client: ApiClient, db: Session, me: User, headers: dict) -> None:
    """A NUL byte cannot even be sent to PostgreSQL as a parameter: both stacks refuse a
    URL holding one before routing (shared_models.requests.check_url_text), so the answer
    is the generic JSON 404, never a 500 (D1), and nothing changes."""
    make_notification(db, me, is_read=True)
    before = table_rows(db, Notification)
    for method, path in (("put", "/api/notifications/%00/read"), ("delete", "/api/notifications/a%00")):
        response = getattr(client, method)(path, headers=headers)
        assert (response.status_code, response.get_json()) == (404, URL_NOT_FOUND)
    response = client.delete("/api/notifications/delete-read?from=%00", headers=headers)
    assert (response.status_code, response.get_json()) == (400, NUL_IN_QUERY)
    assert table_rows(db, Notification) == before


def test_get_of_one_notification_is_405(client: ApiClient, db: Session, headers: dict, me: User) -> None:
    notification = make_notification(db, me)
    response = client.get(f"/api/notifications/{notification.id}", headers=headers)
    assert response.status_code == 405
    assert "DELETE" in response.headers["Allow"]


def test_literal_segments_win_over_notification_ids(client: ApiClient, db: Session, me: User, headers: dict) -> None:
    """`delete-read` and `read-all` are their own routes even when a notification has that
    id: DELETE /delete-read deletes the read rows (not the row "delete-read"), PUT
    /read-all marks every unread row."""
    make_notification(db, me, id="delete-read", is_read=False)
    make_notification(db, me, id="read-all", is_read=True, read_at=at(2026, 1, 1))
    deleted = client.delete("/api/notifications/delete-read", headers=headers)
    assert (deleted.status_code, deleted.get_json()) == (200, {"deleted_count": 1})
    assert {row.id for row in db.scalars(select(Notification))} == {"delete-read"}
    marked = client.put("/api/notifications/read-all", headers=headers)
    assert (marked.status_code, marked.get_json()) == (
        200, {"message": "All notifications marked as read", "updated_count": 1}
    )
    db.rollback()  # end the read snapshot taken above
    assert db.get(Notification, "delete-read").is_read is True
