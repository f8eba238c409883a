"""Request bodies of POST /auth/login (documentation only; the shared service reads the
raw body, so FastAPI never validates it). The responses are in `schemas.tokens`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LoginBody(BaseModel):
    """`username` or `email` (either one matches a username or an e-mail, exactly) and `password`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"username": "alice", "password": "s3cret!"}, {"email": "alice@example.com", "password": "s3cret!"}]
        }
    )

    username: str | None = None
    email: str | None = None
    password: str
