"""Token answers: login (JSON and OAuth2 form), verify, refresh (D6, D17, D20). The request
bodies are contracts (`shared_models.contracts.auth`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fastapi_app.schemas.users import UserRead

_ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl"
_REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"


class LoginRead(BaseModel):
    """POST /auth/login."""

    message: Literal["Login successful"]
    access_token: str
    refresh_token: str
    user: UserRead


class LoginFormRead(LoginRead):
    """POST /auth/login/form: the login body plus the OAuth2 `token_type`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message": "Login successful",
                    "access_token": _ACCESS,
                    "refresh_token": _REFRESH,
                    "token_type": "bearer",
                    "user": UserRead.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                }
            ]
        }
    )

    token_type: Literal["bearer"]


class VerifyRead(BaseModel):
    """GET /auth/verify: the token is good, and whose it is."""

    valid: Literal[True]
    user: UserRead


class RefreshRead(BaseModel):
    """POST /auth/refresh (D20): `refresh_token` only when REFRESH_TOKEN_ROTATION is on."""

    access_token: str
    refresh_token: str | None = Field(
        None, description="Only with REFRESH_TOKEN_ROTATION on: the next refresh token of the same login"
    )
