"""Who is calling: Flask-JWT-Extended wired to the shared revocation and user checks (D6)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, jsonify
from flask_jwt_extended import create_access_token, create_refresh_token, current_user, jwt_required

from legacy_flask.extensions import db, jwt
from legacy_flask.http import app_settings
from shared_models import tokens
from shared_models.clock import utcnow
from shared_models.errors import insufficient_role
from shared_models.models import User
from shared_models.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def configure_jwt(app: Flask, settings: Settings) -> None:
    app.config.update(
        JWT_SECRET_KEY=settings.JWT_SECRET_KEY,
        JWT_ACCESS_TOKEN_EXPIRES=settings.JWT_ACCESS_TOKEN_EXPIRES,
        JWT_REFRESH_TOKEN_EXPIRES=settings.JWT_REFRESH_TOKEN_EXPIRES,
        JWT_TOKEN_LOCATION=["headers"],
        # Header-only tokens need no CSRF claim; D6 lists the claims without it (v2 has none).
        JWT_COOKIE_CSRF_PROTECT=False,
        JWT_ALGORITHM=tokens.ALGORITHM,
    )
    jwt.init_app(app)


@jwt.token_in_blocklist_loader
def _is_revoked(_header: dict[str, Any], claims: dict[str, Any]) -> bool:
    return tokens.is_revoked(db.session, claims.get("jti"))


@jwt.user_lookup_loader
def _load_user(_header: dict[str, Any], claims: dict[str, Any]) -> User | None:
    return tokens.active_user(db.session, claims["sub"])


@jwt.user_lookup_error_loader
def _stale_user(_header: dict[str, Any], _claims: dict[str, Any]) -> Any:
    return jsonify(msg=tokens.STALE_USER_MSG), 401


def role_required(*roles: str) -> Callable[[F], F]:
    """403 unless the caller's current (database) role is one of `roles`.

    Sits inside `@jwt_required()`, so token problems are answered first.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                raise insufficient_role(roles)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def authenticated(*roles: str, refresh: bool = False) -> Callable[[F], F]:
    """`@jwt_required()` plus, when roles are given, `@role_required(*roles)`."""

    def decorator(view: F) -> F:
        guarded = role_required(*roles)(view) if roles else view
        return jwt_required(refresh=refresh)(guarded)  # type: ignore[return-value]

    return decorator


def issue_tokens(user: User, *, refresh: bool = True) -> dict[str, str]:
    """Access (and refresh) tokens with the shared claims, from the shared clock."""
    settings = app_settings()
    now = utcnow()
    issued = {
        "access_token": create_access_token(
            identity=user.id,
            additional_claims=tokens.claim_overrides(user, "access", settings.JWT_ACCESS_TOKEN_EXPIRES, now),
        )
    }
    if refresh:
        issued["refresh_token"] = create_refresh_token(
            identity=user.id,
            additional_claims=tokens.claim_overrides(user, "refresh", settings.JWT_REFRESH_TOKEN_EXPIRES, now),
        )
    return issued


def writes(view: F) -> F:
    """Mark a GET view that writes (get-or-create), so its transaction begins as a write."""
    view._writes = True  # type: ignore[attr-defined]
    return view


def read_only(view: F) -> F:
    """Mark a POST view that writes nothing (test-run), so it takes no write lock: a slow
    outbound call must not hold up other writers of a SQLite file."""
    view._writes = False  # type: ignore[attr-defined]
    return view
