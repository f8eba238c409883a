"""The `notifications` blueprint (6 routes): the caller's own notifications (§3.7).

Mounted at /api/notifications; the list is the prefix itself (rule ""), so
`/api/notifications/` stays a 404 as every other trailing slash does (§0).
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_jwt_extended import current_user

from legacy_flask.auth import authenticated
from legacy_flask.extensions import db
from legacy_flask.http import commit_and_respond, read
from shared_models.contracts import parse_query
from shared_models.contracts.notifications import NotificationListQuery, NotificationRangeQuery
from shared_models.services import notifications as service

bp = Blueprint("notifications", __name__)


@bp.get("")
@authenticated()
def list_notifications() -> tuple[Response, int]:
    return read(service.list_notifications, query=parse_query(NotificationListQuery, request.args))


@bp.get("/unread-count")
@authenticated()
def unread_count() -> tuple[Response, int]:
    query = parse_query(NotificationRangeQuery, request.args)
    return commit_and_respond(service.unread_count(session=db.session, actor=current_user, query=query))


@bp.put("/<notification_id>/read")
@authenticated()
def mark_read(notification_id: str) -> tuple[Response, int]:
    body = service.mark_read(session=db.session, actor=current_user, notification_id=notification_id)
    return commit_and_respond(body)


@bp.put("/read-all")
@authenticated()
def mark_all_read() -> tuple[Response, int]:
    return commit_and_respond(service.mark_all_read(session=db.session, actor=current_user))


@bp.delete("/<notification_id>")
@authenticated()
def delete_notification(notification_id: str) -> tuple[Response, int]:
    body = service.delete_notification(session=db.session, actor=current_user, notification_id=notification_id)
    return commit_and_respond(body)


@bp.delete("/delete-read")
@authenticated()
def delete_read() -> tuple[Response, int]:
    query = parse_query(NotificationRangeQuery, request.args)
    return commit_and_respond(service.delete_read(session=db.session, actor=current_user, query=query))
