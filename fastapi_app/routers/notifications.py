"""v2 twins of the notification routes (API_CONTRACT.md §3.7): the caller's own rows.

The queries are the contracts of `shared_models.contracts.notifications`, declared with
`ContractQuery` (see `fastapi_app.contract_query`); a refused `from`/`to` is the legacy
400, after the token checks.

The list is `/api/v2/notifications` exactly (`.../notifications/` is the JSON 404, as
every trailing slash). `read-all` and `delete-read` are declared before the
`{notification_id}` routes so the literal segments win, as in Werkzeug.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.contract_body import ContractRoute
from fastapi_app.contract_query import ContractQuery
from fastapi_app.deps import CurrentUser, ReadClaims, SessionDep, call
from fastapi_app.routers.executions import BAD_DATES, error
from fastapi_app.schemas.common import AUTH_RESPONSES
from fastapi_app.schemas.notifications import (
    AllMarkedRead,
    NotificationDeleted,
    NotificationMarkedRead,
    NotificationPage,
    ReadDeleted,
    UnreadCount,
)
from shared_models.contracts.notifications import NotificationListQuery, NotificationRangeQuery
from shared_models.services import notifications as service

router = APIRouter(prefix="/notifications", tags=["notifications"], route_class=ContractRoute)

NOT_FOUND = {404: error("No notification with this id")}


def forbidden(verb: str) -> dict[int | str, dict[str, Any]]:
    return {403: error(f"Another user's notification (Forbidden: Cannot {verb} other users notifications)")}


@router.get(
    "",
    response_model=NotificationPage,
    summary="The caller's notifications, one page, newest first",
    responses={**AUTH_RESPONSES, **BAD_DATES},
)
async def list_notifications(
    request: Request, claims: ReadClaims, query: Annotated[NotificationListQuery, ContractQuery(NotificationListQuery)]
) -> Response:
    # The read path: `service.list_notifications` on a plain connection, after the token owner check.
    return await read_path.respond(request, claims, service.list_notifications, query=query)


@router.get(
    "/unread-count",
    response_model=UnreadCount,
    summary="How many of the caller's notifications are unread",
    responses={**AUTH_RESPONSES, **BAD_DATES},
)
async def unread_count(
    session: SessionDep, user: CurrentUser, query: Annotated[NotificationRangeQuery, ContractQuery(NotificationRangeQuery)]
) -> dict[str, Any]:
    return await call(session, service.unread_count, actor=user, query=query)


@router.put(
    "/read-all",
    response_model=AllMarkedRead,
    summary="Mark every unread notification of the caller as read",
    responses={**AUTH_RESPONSES},
)
async def mark_all_read(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.mark_all_read, actor=user)


@router.put(
    "/{notification_id}/read",
    response_model=NotificationMarkedRead,
    summary="Mark one of the caller's notifications as read (idempotent)",
    responses={**AUTH_RESPONSES, **forbidden("access"), **NOT_FOUND},
)
async def mark_read(notification_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.mark_read, actor=user, notification_id=notification_id)


@router.delete(
    "/delete-read",
    response_model=ReadDeleted,
    summary="Delete the caller's read notifications (optionally within from/to)",
    responses={**AUTH_RESPONSES, **BAD_DATES},
)
async def delete_read(
    session: SessionDep, user: CurrentUser, query: Annotated[NotificationRangeQuery, ContractQuery(NotificationRangeQuery)]
) -> dict[str, Any]:
    return await call(session, service.delete_read, actor=user, query=query)


@router.delete(
    "/{notification_id}",
    response_model=NotificationDeleted,
    summary="Delete one of the caller's notifications",
    responses={**AUTH_RESPONSES, **forbidden("delete"), **NOT_FOUND},
)
async def delete_notification(notification_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.delete_notification, actor=user, notification_id=notification_id)
