"""v2 twins of the notification routes (API_CONTRACT.md §3.7): the caller's own rows.

The list is `/api/v2/notifications` exactly (`.../notifications/` is the JSON 404, as
every trailing slash). `read-all` and `delete-read` are declared before the
`{notification_id}` routes so the literal segments win, as in Werkzeug.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.deps import CurrentUser, SessionDep, call
from fastapi_app.openapi_bodies import query_doc
from fastapi_app.read_path import ReadClaims
from fastapi_app.routers.executions import BAD_DATES, FROM, TO, error
from fastapi_app.schemas.common import AUTH_RESPONSES
from fastapi_app.schemas.notifications import (
    AllMarkedRead,
    NotificationDeleted,
    NotificationMarkedRead,
    NotificationPage,
    ReadDeleted,
    UnreadCount,
)
from shared_models.services import notifications as service

router = APIRouter(prefix="/notifications", tags=["notifications"])

NOT_FOUND = {404: error("No notification with this id")}


def forbidden(verb: str) -> dict[int | str, dict[str, Any]]:
    return {403: error(f"Another user's notification (Forbidden: Cannot {verb} other users notifications)")}


@router.get(
    "",
    response_model=None,
    summary="The caller's notifications, one page, newest first",
    responses={**AUTH_RESPONSES, **BAD_DATES, 200: {"model": NotificationPage}},
    openapi_extra=query_doc(
        ("page", "1-based page, default 1; below 1 or not an integer → 1"),
        ("per_page", "Page size, default 20, at most 100; below 1 or not an integer → 20"),
        ("unread_only", "`true` (any case) lists unread ones only"),
        FROM, TO,
    ),
)
async def list_notifications(request: Request, claims: ReadClaims) -> Response:
    # The read path: `service.list_notifications` on a plain connection, after the token owner check.
    return await read_path.respond(request, claims, service.list_notifications, query=request.query_params)


@router.get(
    "/unread-count",
    response_model=None,
    summary="How many of the caller's notifications are unread",
    responses={**AUTH_RESPONSES, **BAD_DATES, 200: {"model": UnreadCount}},
    openapi_extra=query_doc(FROM, TO),
)
async def unread_count(request: Request, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.unread_count, actor=user, query=request.query_params)


@router.put(
    "/read-all",
    response_model=None,
    summary="Mark every unread notification of the caller as read",
    responses={**AUTH_RESPONSES, 200: {"model": AllMarkedRead}},
)
async def mark_all_read(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.mark_all_read, actor=user)


@router.put(
    "/{notification_id}/read",
    response_model=None,
    summary="Mark one of the caller's notifications as read (idempotent)",
    responses={**AUTH_RESPONSES, **forbidden("access"), **NOT_FOUND, 200: {"model": NotificationMarkedRead}},
)
async def mark_read(notification_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.mark_read, actor=user, notification_id=notification_id)


@router.delete(
    "/delete-read",
    response_model=None,
    summary="Delete the caller's read notifications (optionally within from/to)",
    responses={**AUTH_RESPONSES, **BAD_DATES, 200: {"model": ReadDeleted}},
    openapi_extra=query_doc(FROM, TO),
)
async def delete_read(request: Request, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.delete_read, actor=user, query=request.query_params)


@router.delete(
    "/{notification_id}",
    response_model=None,
    summary="Delete one of the caller's notifications",
    responses={**AUTH_RESPONSES, **forbidden("delete"), **NOT_FOUND, 200: {"model": NotificationDeleted}},
)
async def delete_notification(notification_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.delete_notification, actor=user, notification_id=notification_id)
