"""The one error type services raise; each HTTP stack renders it as JSON."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: HTTP status and JSON body (`{"error": ..., "message": ...}`)."""

    def __init__(
        self, status: int, error: str, message: str | None = None, **extra: Any
    ) -> None:
        body: dict[str, Any] = {"error": error}
        if message is not None:
            body["message"] = message
        body.update(extra)
        super().__init__(f"{status} {error}")
        self.status = status
        self.body = body
        self.headers: dict[str, str] = {}


class TokenError(Exception):
    """A JWT-layer refusal, answered `{"msg": ...}` as Flask-JWT-Extended does (§2.3)."""

    def __init__(self, status: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.body = {"msg": msg}


def bad_request(error: str, message: str | None = None, **extra: Any) -> ApiError:
    return ApiError(400, error, message, **extra)


def invalid_payload(message: str) -> ApiError:
    return ApiError(400, "Invalid payload", message)


def not_found(error: str, message: str | None = None) -> ApiError:
    return ApiError(404, error, message)


def forbidden(error: str, message: str | None = None) -> ApiError:
    return ApiError(403, error, message)


def insufficient_role(roles: tuple[str, ...]) -> ApiError:
    return ApiError(
        403,
        "Insufficient permissions",
        f"This endpoint requires one of the following roles: {', '.join(roles)}",
    )


NOT_FOUND_BODY = {"error": "Not found", "message": "The requested URL was not found."}
INTERNAL_ERROR = "Internal server error"


def method_not_allowed_body(method: str) -> dict[str, str]:
    return {
        "error": "Method not allowed",
        "message": f"The method {method} is not allowed for the requested URL.",
    }


def payload_too_large(limit: int) -> ApiError:
    """413 for a request body over `limit` bytes (both stacks word it the same)."""
    return ApiError(413, "Payload too large", f"Request body exceeds the limit of {limit} bytes.")
