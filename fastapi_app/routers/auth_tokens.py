"""v2-only token routes (D17): OAuth2 form login, logout, verify.

The JSON login/refresh/me twins belong to the auth router; these three exist only in v2.
Through the gateway they also answer at their /api path (D17 amended, `Registry.v2_only`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import (
    CurrentIdentity,
    CurrentUser,
    SessionDep,
    SettingsDep,
    call,
    issue_tokens,
)
from fastapi_app.routers.auth import LOGIN_RATE_LIMITED, client_address
from fastapi_app.schemas.common import AUTH_RESPONSES, ErrorBody, MessageBody, TokenErrorBody
from fastapi_app.schemas.tokens import LoginFormRead, VerifyRead
from shared_models import tokens
from shared_models.contracts import parse_body
from shared_models.contracts.auth import Login, Logout
from shared_models.errors import TokenError
from shared_models.requests import JsonBody
from shared_models.serializers import user_to_dict
from shared_models.services import auth as auth_service
from shared_models.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"], route_class=ContractRoute)

AT_API_TOO = "v2-only; through the gateway it also answers at its `/api` path (e.g. `{path}`), served by FastAPI."


@router.post(
    "/login/form",
    response_model=LoginFormRead,
    summary="Log in with an OAuth2 password form (Swagger's Authorize button)",
    description=AT_API_TOO.format(path="POST /api/auth/login/form"),
    responses={
        200: {"model": LoginFormRead},
        400: {"model": ErrorBody, "description": "username or password missing"},
        401: {"model": ErrorBody, "description": "Bad credentials, or the account is inactive"},
        **LOGIN_RATE_LIMITED,
    },
)
async def login_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str | None, Form(description="Username or e-mail")] = None,
    password: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    # The form fields go through the JSON body's reading (NUL refused, D1) and the login
    # service unchanged, so every rule and message of POST /auth/login applies (absent
    # field = missing).
    fields = {key: value for key, value in (("username", username), ("password", password)) if value is not None}
    body = parse_body(Login, JsonBody("application/json", json.dumps(fields).encode()))
    answer = await call(
        session,
        auth_service.login,
        settings=settings,
        body=body,
        issue_tokens=issue_tokens(settings),
        client_address=client_address(request),
    )
    return {**answer, "token_type": "bearer"}


def _logout(session: Session, *, settings: Settings, claims: dict[str, Any], body: Logout) -> dict[str, str]:
    """Revoke the access token and, when sent, the refresh token.

    Choices (the contract is silent): the refresh token must decode as a refresh token
    (otherwise its 422 `{"msg"}` and nothing is revoked); an expired one is skipped (it
    is already useless); it is revoked whoever it belongs to (holding it is enough).
    """
    raw = body.refresh_token
    refresh_claims = None
    if raw:
        try:
            refresh_claims = tokens.decode(raw, secret=settings.JWT_SECRET_KEY or "", refresh=True)
        except TokenError as error:
            if error.status != 401:  # 401 = expired
                raise
    tokens.revoke(session, claims)
    if refresh_claims is not None:
        tokens.revoke(session, refresh_claims)
    return {"message": "Logged out"}


@router.post(
    "/logout",
    response_model=MessageBody,
    summary="Revoke the presented access token (and a refresh token sent in the body)",
    description=AT_API_TOO.format(path="POST /api/auth/logout"),
    responses={
        **AUTH_RESPONSES,
        200: {"model": MessageBody},
        400: {"model": ErrorBody, "description": "Body not JSON-parsable, or refresh_token not a string"},
        422: {"model": TokenErrorBody, "description": "Bad access token, or a bad refresh_token"},
    },
)
async def logout(
    session: SessionDep,
    settings: SettingsDep,
    identity: CurrentIdentity,
    body: Annotated[Logout, ContractBody(Logout, optional=True)],
) -> dict[str, Any]:
    return await call(session, _logout, settings=settings, claims=identity.claims, body=body)


@router.get(
    "/verify",
    response_model=VerifyRead,
    summary="Check the presented access token",
    description=AT_API_TOO.format(path="GET /api/auth/verify"),
    responses={**AUTH_RESPONSES, 200: {"model": VerifyRead}},
)
async def verify(user: CurrentUser) -> dict[str, Any]:
    return {"valid": True, "user": user_to_dict(user)}
