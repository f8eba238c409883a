"""In-app notification fan-out (§5.6): who receives what, written in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.ids import new_id
from shared_models.models import Notification, User


def _insert(
    session: Session,
    user_ids: list[str],
    *,
    title: str,
    message: str,
    type: str,
    related_job_id: str | None,
    related_execution_id: str | None,
) -> int:
    if not user_ids:
        return 0
    now = utcnow()
    session.execute(
        insert(Notification),
        [
            {
                "id": new_id(),
                "user_id": user_id,
                "title": title,
                "message": message,
                "type": type,
                "related_job_id": related_job_id,
                "related_execution_id": related_execution_id,
                "is_read": False,
                "created_at": now,
            }
            for user_id in user_ids
        ],
    )
    return len(user_ids)


def broadcast(
    session: Session,
    *,
    title: str,
    message: str,
    type: str,
    related_job_id: str | None = None,
    related_execution_id: str | None = None,
) -> int:
    """One notification for every user, active or not; returns how many were written."""
    return broadcast_many(session, [Broadcast(title, message, type, related_job_id, related_execution_id)])


@dataclass(frozen=True)
class Broadcast:
    """One notice for every user (the arguments of `broadcast`)."""

    title: str
    message: str
    type: str
    related_job_id: str | None = None
    related_execution_id: str | None = None


def broadcast_many(session: Session, notices: Sequence[Broadcast]) -> int:
    """`broadcast` for many notices (a burst of runs): the users are read once and every
    row is written in one INSERT; returns how many were written."""
    if not notices:
        return 0
    user_ids = list(session.scalars(select(User.id).order_by(User.created_at, User.id)))
    if not user_ids:
        return 0
    now = utcnow()
    rows = [
        {
            "id": new_id(), "user_id": user_id, "title": notice.title, "message": notice.message,
            "type": notice.type, "related_job_id": notice.related_job_id,
            "related_execution_id": notice.related_execution_id, "is_read": False, "created_at": now,
        }
        for notice in notices
        for user_id in user_ids
    ]
    session.execute(insert(Notification), rows)
    return len(rows)


def notify_owner_and_admins(
    session: Session,
    *,
    owner_id: str | None,
    title: str,
    message: str,
    type: str,
    related_job_id: str | None = None,
) -> int:
    """The job's creator plus every active admin, each once."""
    admins = session.scalars(
        select(User.id).where(User.role == "admin", User.is_active.is_(True)).order_by(User.created_at, User.id)
    )
    user_ids: list[str] = []
    if owner_id and session.get(User, owner_id) is not None:
        user_ids.append(owner_id)
    user_ids.extend(admin_id for admin_id in admins if admin_id not in user_ids)
    return _insert(
        session, user_ids, title=title, message=message, type=type,
        related_job_id=related_job_id, related_execution_id=None,
    )
