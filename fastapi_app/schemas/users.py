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
