"""Error bodies every route can answer (API_CONTRACT.md §0, §2.3, D1, D2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """`{"error": ..., "message"?: ...}`; some errors add keys (e.g. `missing`)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"error": "Job not found", "message": "No job found with ID: 42"}]},
    )

    error: str
    message: str | None = None


class TokenErrorBody(BaseModel):
    """A JWT-layer refusal, worded as Flask-JWT-Extended words it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"msg": "Token has expired"}]})

    msg: str


class MessageBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "Logged out"}]})

    message: str


class InternalErrorBody(ErrorBody):
    request_id: str


def _response(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _response(TokenErrorBody, "Missing, expired or revoked token, or its user is gone or inactive"),
    422: _response(TokenErrorBody, "Malformed token or header, bad signature, wrong token type"),
}
"""`responses=` for routes behind `CurrentUser` (merge with the route's own errors)."""

ROLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    403: _response(ErrorBody, "The user's role may not call this route"),
}
"""`responses=` for routes behind `require_roles(...)`."""

COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    500: _response(InternalErrorBody, "Unexpected server fault (details only outside production)"),
}
"""Given to the whole app: every route may answer 500."""
