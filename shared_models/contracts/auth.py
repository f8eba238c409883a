"""Account bodies: register, login, logout (§3.1.1, §3.1.2, D1, D17).

Field order is the check order. Register and login name their required keys in the
schema but read them as optional strings: their own presence rules (a falsy value is
missing; "Email/Username and password are required") answer after the type checks,
with the legacy wording, not Pydantic's "missing".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from shared_models.contracts.base import Contract, refuse
from shared_models.contracts.fields import omittable
from shared_models.errors import bad_request

ROLE_NAMES = ("admin", "user", "viewer")
REQUIRED_FOR_REGISTER = ("username", "email", "password")
_REFRESH_EXAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"


def _schema(examples: list[dict[str, Any]], required: tuple[str, ...] = ()) -> ConfigDict:
    extra: dict[str, Any] = {"examples": examples}
    if required:
        extra["required"] = list(required)
    return ConfigDict(json_schema_extra=extra)


def _text(**schema: Any) -> Any:
    """A string key read as optional (null = absent) whose schema asks for a string."""
    return Annotated[str | None, WithJsonSchema({"type": "string", **schema})]


Username = _text(pattern=r"^\s*[A-Za-z0-9_]{3,80}\s*$")
Email = _text(format="email", maxLength=120)
Password = _text(minLength=6)
AnyText = _text()

Role = Annotated[
    str | None,
    WithJsonSchema({"anyOf": [{"type": "string", "enum": list(ROLE_NAMES)}, {"type": "null"}]}),
]
"""A role name; null reads as absent. Other strings are refused by the service ("Invalid role")."""


class Register(Contract):
    """POST /auth/register. `username` 3–80 of [A-Za-z0-9_], `email` ≤120, `password` ≥6."""

    model_config = _schema(
        [{"username": "bob", "email": "bob@example.com", "password": "s3cret!", "role": "user"}],
        required=REQUIRED_FOR_REGISTER,
    )

    # Absent reads as None (the schema still says required, which step 2 enforces).
    username: Username = omittable()
    email: Email = omittable()
    # Validated even when absent: the presence test of step 2 hangs on it (see below).
    password: Password = omittable(validate_default=True)
    role: Role = Field(None, json_schema_extra={"default": "viewer"})

    @field_validator("password")
    @classmethod
    def _all_required_present(cls, password: str | None, info: ValidationInfo) -> str | None:
        """§3.1.1 step 2, after the three type checks and before `role`'s: every absent,
        null or empty required key, in the order username, email, password."""
        values = {**info.data, "password": password}
        missing = [field for field in REQUIRED_FOR_REGISTER if not values.get(field)]
        if missing:
            raise refuse(bad_request("Missing required fields", missing=missing))
        return password


class Login(Contract):
    """POST /auth/login: `username` or `email` (either one matches a username or an
    e-mail, exactly) and `password`. Without an identifier or a password: 400 "Email/Username
    and password are required" (the service's rule)."""

    model_config = _schema(
        [{"username": "alice", "password": "s3cret!"}, {"email": "alice@example.com", "password": "s3cret!"}],
        required=("password",),
    )

    username: str | None = None
    email: str | None = None
    password: AnyText = omittable()


class Logout(Contract):
    """Optional JSON body of POST /auth/logout: the refresh token to revoke as well."""

    model_config = _schema([{"refresh_token": _REFRESH_EXAMPLE}])

    refresh_token: str | None = None
