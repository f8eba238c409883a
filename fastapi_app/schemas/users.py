"""A user as every route renders it (`shared_models.serializers.user_to_dict`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["admin", "user", "viewer"]


class UserRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4f6c1a0e-9b1d-4c55-9d59-5a0d7e2b9c11",
                    "username": "alice",
                    "email": "alice@example.com",
                    "role": "user",
                    "is_active": True,
                    "created_at": "2026-11-26T12:51:04.775Z",
                    "updated_at": "2026-11-26T12:51:04.775Z",
                }
            ]
        }
    )

    id: str
    username: str
    email: str
    role: Role
    is_active: bool
    created_at: str | None
    updated_at: str | None


_USER_EXAMPLE = UserRead.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _examples(*examples: dict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# --- responses ----------------------------------------------------------------------------


class UserEnvelope(BaseModel):
    """`{"user": {user}}` (GET /auth/me, GET /auth/users/{user_id})."""

    model_config = _examples({"user": _USER_EXAMPLE})

    user: UserRead


class RegisterRead(BaseModel):
    model_config = _examples({"message": "User registered successfully", "user": _USER_EXAMPLE})

    message: Literal["User registered successfully"]
    user: UserRead


class UserList(BaseModel):
    """GET /auth/users: every user, oldest first, ties by id (D18)."""

    model_config = _examples({"count": 1, "users": [_USER_EXAMPLE]})

    count: int
    users: list[UserRead]


class UserUpdateRead(BaseModel):
    """`updated_fields` lists the applied fields in the order email, password, role, is_active."""

    model_config = _examples(
        {"message": "User updated successfully", "updated_fields": ["email"], "user": _USER_EXAMPLE}
    )

    message: Literal["User updated successfully"]
    updated_fields: list[Literal["email", "password", "role", "is_active"]]
    user: UserRead


class DeletedUser(BaseModel):
    id: str
    username: str


class UserDeleteRead(BaseModel):
    model_config = _examples(
        {"message": "User deleted successfully", "deleted_user": {"id": _USER_EXAMPLE["id"], "username": "alice"}}
    )

    message: Literal["User deleted successfully"]
    deleted_user: DeletedUser
