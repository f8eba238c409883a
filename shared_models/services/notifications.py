"""The caller's in-app notifications (§3.7): list, count, mark read, delete.

Every function acts on `actor.id`'s rows only; a row of another user is 403 on the
single-row routes and simply invisible to the bulk ones. Order: `created_at` desc, then
`id` desc (D18). Date filters compare `created_at` with the bounds of the one `from`/`to`
contract (`shared_models.contracts.ranges`, as the execution endpoints).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Delete, Select, Update, delete, func, select, update
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.contracts.notifications import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    NotificationListQuery,
    NotificationRangeQuery,
)
from shared_models.errors import ApiError
from shared_models.models import Notification, User
from shared_models.serializers import notification_to_dict
from shared_models.services.filters import (
    STATEMENT_CACHE_SIZE,
    DateRange,
    page_window,
    page_with_total,
    total_pages,
    windowed,
)
from shared_models.settings import Settings

NEWEST_FIRST = (Notification.created_at.desc(), Notification.id.desc())


def _not_found() -> ApiError:
    return ApiError(404, "Notification not found")


# --- statements (shared with the async v2 stack) ---------------------------------------


def owned_clauses(
    user_id: str, date_range: DateRange, *, unread_only: bool = False
) -> list[ColumnElement[bool]]:
    conditions = [Notification.user_id == user_id, *date_range.clauses(Notification.created_at)]
    if unread_only:
        conditions.append(Notification.is_read.is_(False))
    return conditions


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def notifications_page_statement(
    user_id: str, date_range: DateRange, unread_only: bool
) -> Select[tuple[Notification]]:
    """One page (`page_window`), as a deferred join: the page's ids come from the
    covering index first, and only those rows are read (the skipped ones never are)."""
    conditions = owned_clauses(user_id, date_range, unread_only=unread_only)
    page_ids = windowed(select(Notification.id).where(*conditions).order_by(*NEWEST_FIRST))
    return select(Notification).where(Notification.id.in_(page_ids.scalar_subquery())).order_by(*NEWEST_FIRST)


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def notifications_count_statement(user_id: str, date_range: DateRange, unread_only: bool) -> Select[tuple[int]]:
    conditions = owned_clauses(user_id, date_range, unread_only=unread_only)
    return select(func.count()).select_from(Notification).where(*conditions)


def mark_all_read_statement(user_id: str) -> Update:
    return (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.is_read.is_(False))
        .values(is_read=True, read_at=utcnow())
    )


def delete_read_statement(user_id: str, date_range: DateRange) -> Delete:
    return (
        delete(Notification)
        .where(*owned_clauses(user_id, date_range), Notification.is_read.is_(True))
    )


# --- query parameters --------------------------------------------------------------------


def paging(query: NotificationListQuery) -> tuple[int, int]:
    """(page, per_page) as used, which is also what the response echoes (D9; the legacy
    echoed the raw values). Non-integers were read as the defaults; page < 1 → 1;
    per_page < 1 → 20; per_page > 100 → 100 (Flask-SQLAlchemy `paginate(error_out=False)`)."""
    page = max(query.page, 1)
    per_page = query.per_page if query.per_page >= 1 else DEFAULT_PER_PAGE
    return page, min(per_page, MAX_PER_PAGE)


# --- bodies --------------------------------------------------------------------------------


def notifications_page_body(
    rows: list[Any], total: int, page: int, per_page: int, date_range: DateRange
) -> dict[str, Any]:
    """§3.7.1 from notification rows (ORM instances or Core rows alike)."""
    return {
        "notifications": [notification_to_dict(row) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
        "total_pages": total_pages(total, per_page),
        "range": date_range.as_dict(),
    }


# --- services ------------------------------------------------------------------------------


def list_notifications(
    connection: Connection, *, user_id: str, settings: Settings, query: NotificationListQuery
) -> dict[str, Any]:
    """GET /notifications (§3.7.1): the caller's."""
    date_range = DateRange.of(query)
    page, per_page = paging(query)
    unread_only = query.unread_only
    rows, total = page_with_total(
        connection,
        notifications_page_statement(user_id, date_range, unread_only),
        notifications_count_statement(user_id, date_range, unread_only),
        page_window(page, per_page),
    )
    return notifications_page_body(rows, total, page, per_page, date_range)


def unread_count(*, session: Session, actor: User, query: NotificationRangeQuery) -> dict[str, Any]:
    """GET /notifications/unread-count (§3.7.2)."""
    date_range = DateRange.of(query)
    count = session.execute(notifications_count_statement(actor.id, date_range, True)).scalar_one()
    return {"unread_count": count, "range": date_range.as_dict()}


def _owned_notification(session: Session, actor: User, notification_id: str, verb: str) -> Notification:
    """The row, locked for this transaction; 404 when absent, 403 when not the caller's."""
    notification = session.get(Notification, notification_id, with_for_update=True)
    if notification is None:
        raise _not_found()
    if notification.user_id != actor.id:
        raise ApiError(403, f"Forbidden: Cannot {verb} other users notifications")
    return notification


def mark_read(*, session: Session, actor: User, notification_id: str) -> dict[str, Any]:
    """PUT /notifications/<id>/read (§3.7.3): `read_at` is stamped once; repeats are no-ops."""
    notification = _owned_notification(session, actor, notification_id, "access")
    if not notification.is_read:
        notification.is_read = True
        notification.read_at = utcnow()
        session.flush()
    return {"message": "Notification marked as read", "notification": notification_to_dict(notification)}


def mark_all_read(*, session: Session, actor: User) -> dict[str, Any]:
    """PUT /notifications/read-all (§3.7.4)."""
    result = session.execute(mark_all_read_statement(actor.id))
    return {"message": "All notifications marked as read", "updated_count": result.rowcount}


def delete_notification(*, session: Session, actor: User, notification_id: str) -> dict[str, Any]:
    """DELETE /notifications/<id> (§3.7.5)."""
    notification = _owned_notification(session, actor, notification_id, "delete")
    session.delete(notification)
    session.flush()
    return {"message": "Notification deleted successfully"}


def delete_read(*, session: Session, actor: User, query: NotificationRangeQuery) -> dict[str, Any]:
    """DELETE /notifications/delete-read (§3.7.6): the caller's read rows, within from/to."""
    date_range = DateRange.of(query)
    result = session.execute(delete_read_statement(actor.id, date_range))
    return {"deleted_count": result.rowcount}
