"""v2 twins of the user and preference routes of the `auth` blueprint (§3.1.5–§3.1.12).

Each route calls the `services.users` function the legacy view calls; permission,
body and existence checks happen there, in the contract's order. The GETs of the
preferences create a missing row, so they take `WriteSessionDep` (legacy `@writes`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fastapi_app.deps import AdminUser, CurrentUser, JsonBodyDep, SessionDep, WriteSessionDep, call
from fastapi_app.openapi_bodies import json_body_doc
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.preferences import (
    NotificationPreferencesEnvelope,
    NotificationPreferencesUpdate,
    UiPreferencesEnvelope,
    UiPreferencesUpdate,
)
from fastapi_app.schemas.users import UserDeleteRead, UserEnvelope, UserList, UserUpdateBody, UserUpdateRead
from shared_models.services import users as users_service

router = APIRouter(prefix="/auth/users", tags=["users"])


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


NOT_FOUND = {404: _error("No user with this id")}
SELF_OR_ADMIN = {403: _error("Not the caller's own account, and the caller is not an admin")}


@router.get(
    "",
    response_model=None,
    summary="Every user (admin), oldest first",
    responses={**ROLE_RESPONSES, 200: {"model": UserList}},
)
async def list_users(session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, users_service.list_users)


@router.get(
    "/{user_id}",
    response_model=None,
    summary="One user (self or admin)",
    responses={**AUTH_RESPONSES, **SELF_OR_ADMIN, **NOT_FOUND, 200: {"model": UserEnvelope}},
)
async def get_user(user_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, users_service.get_user, actor=user, user_id=user_id)


@router.put(
    "/{user_id}",
    response_model=None,
    summary="Update a user (self or admin; role and is_active by admins only)",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        403: _error("Another user's account, or role / is_active changed by a non-admin"),
        **NOT_FOUND,
        409: _error("E-mail already used by another user"),
        200: {"model": UserUpdateRead},
    },
    openapi_extra=json_body_doc(UserUpdateBody),
)
async def update_user(user_id: str, session: SessionDep, user: CurrentUser, body: JsonBodyDep) -> dict[str, Any]:
    return await call(session, users_service.update_user, actor=user, user_id=user_id, body=body)


@router.delete(
    "/{user_id}",
    response_model=None,
    summary="Delete a user (admin); their notifications and preferences go too, their jobs stay (D5)",
    responses={
        **ROLE_RESPONSES,
        400: _error("The caller's own account"),
        **NOT_FOUND,
        200: {"model": UserDeleteRead},
    },
)
async def delete_user(user_id: str, session: SessionDep, admin: AdminUser) -> dict[str, Any]:
    return await call(session, users_service.delete_user, actor=admin, user_id=user_id)


@router.get(
    "/{user_id}/preferences",
    response_model=None,
    summary="Notification preferences (self or admin; created on first read)",
    responses={**AUTH_RESPONSES, **SELF_OR_ADMIN, **NOT_FOUND, 200: {"model": NotificationPreferencesEnvelope}},
)
async def get_preferences(user_id: str, session: WriteSessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, users_service.get_preferences, actor=user, user_id=user_id)


@router.put(
    "/{user_id}/preferences",
    response_model=None,
    summary="Update notification preferences (self or admin)",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        **SELF_OR_ADMIN,
        **NOT_FOUND,
        200: {"model": NotificationPreferencesEnvelope},
    },
    openapi_extra=json_body_doc(NotificationPreferencesUpdate),
)
async def update_preferences(
    user_id: str, session: SessionDep, user: CurrentUser, body: JsonBodyDep
) -> dict[str, Any]:
    return await call(session, users_service.update_preferences, actor=user, user_id=user_id, body=body)


@router.get(
    "/{user_id}/ui-preferences",
    response_model=None,
    summary="Jobs-table column choices (self or admin; created on first read)",
    responses={**AUTH_RESPONSES, **SELF_OR_ADMIN, **NOT_FOUND, 200: {"model": UiPreferencesEnvelope}},
)
async def get_ui_preferences(user_id: str, session: WriteSessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, users_service.get_ui_preferences, actor=user, user_id=user_id)


@router.put(
    "/{user_id}/ui-preferences",
    response_model=None,
    summary="Set the jobs-table columns (self or admin); keys left out return to their defaults",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        **SELF_OR_ADMIN,
        **NOT_FOUND,
        200: {"model": UiPreferencesEnvelope},
    },
    openapi_extra=json_body_doc(UiPreferencesUpdate),
)
async def update_ui_preferences(
    user_id: str, session: SessionDep, user: CurrentUser, body: JsonBodyDep
) -> dict[str, Any]:
    return await call(session, users_service.update_ui_preferences, actor=user, user_id=user_id, body=body)
