"""v2 twins of the user and preference routes of the `auth` blueprint (§3.1.5–§3.1.12).

Each route calls the `services.users` function the legacy view calls. The writes check,
in the legacy order, what comes before their body as dependencies declared before it
(Content-Type, 403, 404), then read the body as its contract. The GETs of the
preferences create a missing row, so they take `WriteSessionDep` (legacy `@writes`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from fastapi_app.contract_body import ContractBody, ContractRoute, JsonContentType
from fastapi_app.deps import AdminUser, CurrentUser, SessionDep, WriteSessionDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.preferences import NotificationPreferencesEnvelope, UiPreferencesEnvelope
from fastapi_app.schemas.users import UserDeleteRead, UserEnvelope, UserList, UserUpdateRead
from shared_models.contracts.users import PreferencesUpdate, UiPreferencesUpdate, UserUpdate
from shared_models.models import User
from shared_models.services import users as users_service

router = APIRouter(prefix="/auth/users", tags=["users"], route_class=ContractRoute)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


NOT_FOUND = {404: _error("No user with this id")}
SELF_OR_ADMIN = {403: _error("Not the caller's own account, and the caller is not an admin")}


async def user_to_update(
    user_id: str, session: SessionDep, user: CurrentUser, _json: Annotated[None, JsonContentType]
) -> User:
    """§3.1.7 steps 1, 3, 4: Content-Type, then 403, then 404, before the body is read."""
    return await call(session, users_service.editable_user, actor=user, user_id=user_id)


async def _preferences_writer(user_id: str, user: CurrentUser) -> None:
    users_service.check_preferences_writer(actor=user, user_id=user_id)


async def preferences_of(
    user_id: str,
    session: SessionDep,
    _writer: Annotated[None, Depends(_preferences_writer)],
    _json: Annotated[None, JsonContentType],
) -> User:
    """§3.1.10 / §3.1.12: 403, then Content-Type, then 404, before the body is read."""
    return await call(session, users_service.target_user, user_id=user_id)


@router.get(
    "",
    response_model=UserList,
    summary="Every user (admin), oldest first",
    responses={**ROLE_RESPONSES, 200: {"model": UserList}},
)
async def list_users(session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, users_service.list_users)


@router.get(
    "/{user_id}",
    response_model=UserEnvelope,
    summary="One user (self or admin)",
    responses={**AUTH_RESPONSES, **SELF_OR_ADMIN, **NOT_FOUND, 200: {"model": UserEnvelope}},
)
async def get_user(user_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, users_service.get_user, actor=user, user_id=user_id)


@router.put(
    "/{user_id}",
    response_model=UserUpdateRead,
    summary="Update a user (self or admin; role and is_active by admins only)",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        403: _error("Another user's account, or role / is_active changed by a non-admin"),
        **NOT_FOUND,
        409: _error("E-mail already used by another user"),
        200: {"model": UserUpdateRead},
    },
)
async def update_user(
    session: SessionDep,
    user: CurrentUser,
    target: Annotated[User, Depends(user_to_update)],
    body: Annotated[UserUpdate, ContractBody(UserUpdate)],
) -> dict[str, Any]:
    return await call(session, users_service.update_user, actor=user, user=target, body=body)


@router.delete(
    "/{user_id}",
    response_model=UserDeleteRead,
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
    response_model=NotificationPreferencesEnvelope,
    summary="Notification preferences (self or admin; created on first read)",
    responses={**AUTH_RESPONSES, **SELF_OR_ADMIN, **NOT_FOUND, 200: {"model": NotificationPreferencesEnvelope}},
)
async def get_preferences(user_id: str, session: WriteSessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, users_service.get_preferences, actor=user, user_id=user_id)


@router.put(
    "/{user_id}/preferences",
    response_model=NotificationPreferencesEnvelope,
    summary="Update notification preferences (self or admin)",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        **SELF_OR_ADMIN,
        **NOT_FOUND,
        200: {"model": NotificationPreferencesEnvelope},
    },
)
async def update_preferences(
    session: SessionDep,
    _user: CurrentUser,
    target: Annotated[User, Depends(preferences_of)],
    body: Annotated[PreferencesUpdate, ContractBody(PreferencesUpdate)],
) -> dict[str, Any]:
    return await call(session, users_service.update_preferences, user=target, body=body)


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
    response_model=UiPreferencesEnvelope,
    summary="Set the jobs-table columns (self or admin); keys left out return to their defaults",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        **SELF_OR_ADMIN,
        **NOT_FOUND,
        200: {"model": UiPreferencesEnvelope},
    },
)
async def update_ui_preferences(
    session: SessionDep,
    _user: CurrentUser,
    target: Annotated[User, Depends(preferences_of)],
    body: Annotated[UiPreferencesUpdate, ContractBody(UiPreferencesUpdate)],
) -> dict[str, Any]:
    return await call(session, users_service.update_ui_preferences, user=target, body=body)
