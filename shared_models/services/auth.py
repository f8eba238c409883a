"""Accounts and tokens: register, login, refresh, me (API_CONTRACT.md §3.1.1–§3.1.4, D1, D6, D20).

Token signing belongs to each stack (Flask-JWT-Extended on the legacy side), so login
and refresh take an `issue_tokens(user, refresh=True) -> {"access_token", "refresh_token"}`
callable and only decide *whether*, *which* and *for whom* tokens are issued.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.contracts.auth import Login, Register
from shared_models.db import begin_write
from shared_models.errors import ApiError, bad_request
from shared_models.models import LoginAttempt, User
from shared_models.passwords import verify_password
from shared_models.serializers import user_to_dict
from shared_models.services import refresh_rotation
from shared_models.services.users import create_user
from shared_models.settings import Settings


class TokenIssuer(Protocol):
    """Signs for one stack: `issuer(user)` → access and refresh token; `refresh=False`
    → the access token alone."""

    def __call__(self, user: User, *, refresh: bool = True) -> Mapping[str, str]: ...

BAD_CREDENTIALS = "Invalid email/username or password"
LOGIN_WINDOW = timedelta(minutes=1)


def register(*, session: Session, body: Register) -> dict[str, Any]:
    """201 body for POST /auth/register; steps 1–2 (and D1's types) were the contract's,
    3–7 are `create_user`'s."""
    # username, email and password are non-empty strings: the contract's step 2.
    user = create_user(
        session=session,
        username=body.username,
        email=body.email,
        password=body.password,
        role="viewer" if body.role is None else body.role,  # "" stays "": an invalid role
    )
    return {"message": "User registered successfully", "user": user_to_dict(user)}


def _attempt_key(identifier: str, client_address: str) -> str:
    """One counter per (identifier, client address); hashed so the key has a fixed length
    and the table holds no user-typed text."""
    digest = hashlib.sha256(f"{identifier}\0{client_address}".encode("utf-8", "surrogatepass"))
    return "login:" + digest.hexdigest()


def _insert_if_absent(session: Session, key: str) -> None:
    """Create the counter row unless it exists, without a unique-key race between workers."""
    values = {"key": key, "window_start": utcnow(), "count": 0}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(LoginAttempt).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(LoginAttempt).values(values).on_conflict_do_nothing())
    elif session.get(LoginAttempt, key) is None:  # pragma: no cover - other databases
        session.add(LoginAttempt(**values))
        session.flush()


def check_login_rate(*, session: Session, settings: Settings, identifier: str, client_address: str) -> None:
    """Count one login attempt in the shared table; 429 past the limit of the window.

    A fixed one-minute window per (identifier, client address), held in the database so
    every worker of both stacks agrees. The count is COMMITTED here, before the
    credentials are checked: a failed login answers 401 and the request's transaction is
    rolled back, which would otherwise forget the attempt. (The one place a service
    commits; nothing else is pending this early in a login.)
    """
    limit = settings.LOGIN_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    key = _attempt_key(identifier, client_address)
    _insert_if_absent(session, key)
    attempt = session.scalars(
        select(LoginAttempt).where(LoginAttempt.key == key).with_for_update()
    ).one()
    now = utcnow()
    if now - attempt.window_start >= LOGIN_WINDOW:
        attempt.window_start = now
        attempt.count = 0
    if attempt.count >= limit:
        wait = (attempt.window_start + LOGIN_WINDOW - now).total_seconds()
        retry_after = max(1, math.ceil(wait))
        error = ApiError(
            429, "Too many login attempts", f"Too many login attempts. Try again in {retry_after} seconds."
        )
        error.headers["Retry-After"] = str(retry_after)
        raise error
    attempt.count += 1
    session.commit()


def login(
    *,
    session: Session,
    settings: Settings,
    body: Login,
    issue_tokens: TokenIssuer,
    client_address: str,
) -> dict[str, Any]:
    """POST /auth/login: rate limit, then the account is checked for being active before
    the password. `client_address` is the direct peer (X-Forwarded-For is not trusted)."""
    identifier = (body.username or body.email or "").strip()
    password = body.password
    if not identifier or not password:
        raise bad_request("Email/Username and password are required")
    check_login_rate(session=session, settings=settings, identifier=identifier, client_address=client_address)
    # One identifier matches a username or an email, exactly (case-sensitive); should it
    # match two accounts, the oldest wins, so both stacks pick the same one (D18).
    user = session.scalars(
        select(User)
        .where(or_(User.username == identifier, User.email == identifier))
        .order_by(User.created_at, User.id)
        .limit(1)
    ).first()
    if user is None:
        raise ApiError(401, BAD_CREDENTIALS)
    if not user.is_active:
        raise ApiError(401, "Account is inactive. Contact administrator.")
    if not verify_password(password, user.password_hash):
        raise ApiError(401, BAD_CREDENTIALS)
    if settings.REFRESH_TOKEN_ROTATION:
        # The rate-limit commit left a deferred (read) transaction; writing in it would
        # fail on a busy SQLite file ("database is locked"). Start a write transaction for
        # the family rows, after the password check so logins do not queue behind it.
        session.commit()
        begin_write(session)
    issued = issue_tokens(user)
    if settings.REFRESH_TOKEN_ROTATION:
        refresh_rotation.start_family(session=session, issued=issued)
    return {
        "message": "Login successful",
        "access_token": issued["access_token"],
        "refresh_token": issued["refresh_token"],
        "user": user_to_dict(user),
    }


def refresh(
    *,
    session: Session,
    settings: Settings,
    actor: User,
    claims: Mapping[str, Any],
    issue_tokens: TokenIssuer,
) -> dict[str, Any]:
    """POST /auth/refresh (D20): a new access token; the refresh token stays valid.

    With `REFRESH_TOKEN_ROTATION` the answer adds a new refresh token of the same family
    and the presented one is consumed (`refresh_rotation`: reuse window, reuse detection).
    The auth layer has already refused a revoked token and a missing or inactive user
    (401 `{"msg": ...}`), so the legacy "User not found or inactive" error cannot occur.
    """
    if not settings.REFRESH_TOKEN_ROTATION:
        return {"access_token": issue_tokens(actor, refresh=False)["access_token"]}
    family_id = refresh_rotation.consume(session=session, settings=settings, claims=claims)
    issued = issue_tokens(actor, refresh=True)
    refresh_rotation.record_issued(session=session, family_id=family_id, issued=issued)
    return {"access_token": issued["access_token"], "refresh_token": issued["refresh_token"]}


def me(*, actor: User) -> dict[str, Any]:
    """GET /auth/me: the caller (the auth layer guarantees it exists and is active)."""
    return {"user": user_to_dict(actor)}
