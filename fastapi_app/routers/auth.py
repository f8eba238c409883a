"""v2 twins of the account routes of the `auth` blueprint (API_CONTRACT.md §3.1.1–§3.1.4).

register, login, refresh and me call the shared `services.auth` functions the legacy
views call; tokens are signed by `deps.issue_tokens` (same claims as Flask-JWT-Extended).
The v2-only form login, logout and verify (D17) are in `auth_tokens`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import (
    AdminUser,
    CurrentUser,
    RefreshIdentity,
    SessionDep,
    SettingsDep,
    call,
    issue_tokens,
)
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.tokens import LoginRead, RefreshRead
from fastapi_app.schemas.users import RegisterRead, UserEnvelope
from shared_models.contracts.auth import Login, Register
from shared_models.services import auth as auth_service

router = APIRouter(prefix="/auth", tags=["auth"], route_class=ContractRoute)


# Both login routes: LOGIN_RATE_LIMIT_PER_MINUTE attempts per (identifier, client address).
LOGIN_RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "Too many login attempts for this identifier from this address in the last minute",
        "headers": {"Retry-After": {"description": "Seconds until the window ends", "schema": {"type": "integer"}}},
    }
}


def client_address(request: Request) -> str:
    """The direct peer, as legacy `request.remote_addr` (X-Forwarded-For is not trusted)."""
    return request.client.host if request.client else ""

BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Not JSON, invalid JSON, not an object, a field of the wrong type, or a rule broken",
    },
    413: {"model": ErrorBody, "description": "Body over MAX_JSON_BODY_BYTES"},
}


@router.post(
    "/register",
    status_code=201,
    response_model=RegisterRead,
    summary="Create a user (admin)",
    responses={
        **ROLE_RESPONSES,
        **BODY_ERRORS,
        201: {"model": RegisterRead, "description": "The new, active user"},
        409: {"model": ErrorBody, "description": "Username or e-mail already exists"},
    },
)
async def register(
    session: SessionDep, _admin: AdminUser, body: Annotated[Register, ContractBody(Register)]
) -> dict[str, Any]:
    return await call(session, auth_service.register, body=body)


@router.post(
    "/login",
    response_model=LoginRead,
    summary="Log in with a username or e-mail and a password",
    responses={
        **BODY_ERRORS,
        200: {"model": LoginRead, "description": "Access and refresh tokens, and the user"},
        401: {"model": ErrorBody, "description": "Bad credentials, or the account is inactive"},
        **LOGIN_RATE_LIMITED,
    },
)
async def login(
    request: Request, session: SessionDep, settings: SettingsDep, body: Annotated[Login, ContractBody(Login)]
) -> dict[str, Any]:
    return await call(
        session,
        auth_service.login,
        settings=settings,
        body=body,
        issue_tokens=issue_tokens(settings),
        client_address=client_address(request),
    )


@router.post(
    "/refresh",
    response_model=RefreshRead,
    response_model_exclude_unset=True,  # refresh_token only when rotating
    summary="Exchange a refresh token for a new access token (D20)",
    description=(
        "Send the **refresh** token as `Authorization: Bearer <refresh token>`. It stays valid "
        "(any number of uses) unless `REFRESH_TOKEN_ROTATION` is on: then the answer adds a new "
        "`refresh_token`, the one sent keeps working for `REFRESH_TOKEN_REUSE_SECONDS`, and a "
        "use after that is refused (401) and revokes every token of its login."
    ),
    responses={
        **AUTH_RESPONSES,
        200: {"model": RefreshRead, "description": "A new access token (and a refresh token when rotating)"},
    },
)
async def refresh(session: SessionDep, settings: SettingsDep, identity: RefreshIdentity) -> dict[str, Any]:
    return await call(
        session,
        auth_service.refresh,
        settings=settings,
        actor=identity.user,
        claims=identity.claims,
        issue_tokens=issue_tokens(settings),
    )


@router.get(
    "/me",
    response_model=UserEnvelope,
    summary="The caller's account",
    responses={**AUTH_RESPONSES, 200: {"model": UserEnvelope}},
)
async def me(user: CurrentUser) -> dict[str, Any]:
    return auth_service.me(actor=user)
