"""JWTs exactly as Flask-JWT-Extended 4 issues and checks them (D6, §2.3).

The legacy stack issues through Flask-JWT-Extended with `claim_overrides()`; v2 issues
and decodes with PyJWT through `issue()` and `decode()`. Both produce the same claims in
the same order from the shared clock and id source, so a token from one stack is the
same token the other would have made, and every refusal has the same status and body.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.errors import TokenError
from shared_models.ids import new_id
from shared_models.models import RevokedToken, User

ALGORITHM = "HS256"
HEADER_NAME = "Authorization"
HEADER_TYPE = "Bearer"
REVOKED_MSG = "Token has been revoked"
STALE_USER_MSG = "User not found or inactive"


def claim_overrides(user: User, token_type: str, expires_in: int, now: datetime) -> dict[str, Any]:
    """Claims set on top of Flask-JWT-Extended's own (clock- and id-source-driven)."""
    return {
        "iat": now,
        "jti": new_id(),
        "nbf": now,
        "exp": now + timedelta(seconds=expires_in),
        "role": user.role,
        "email": user.email,
    }


def issue(user: User, token_type: str, *, secret: str, expires_in: int) -> str:
    """A token with the claims, and claim order, Flask-JWT-Extended would write."""
    now = utcnow()
    overrides = claim_overrides(user, token_type, expires_in, now)
    claims: dict[str, Any] = {
        "fresh": False,
        "iat": overrides["iat"],
        "jti": overrides["jti"],
        "type": token_type,
        "sub": user.id,
        "nbf": overrides["nbf"],
        "exp": overrides["exp"],
        "role": overrides["role"],
        "email": overrides["email"],
    }
    return jwt.encode(claims, secret, ALGORITHM)


def token_from_header(header_value: str | None) -> str:
    """The JWT of an `Authorization: Bearer <JWT>` header, refused as the legacy does."""
    header = (header_value or "").strip().strip(",")
    if not header:
        raise TokenError(401, f"Missing {HEADER_NAME} Header")
    candidates = [value for value in re.split(r",\s*", header) if value and value.split()[0] == HEADER_TYPE]
    if len(candidates) != 1:
        raise TokenError(
            401,
            f"Missing '{HEADER_TYPE}' type in '{HEADER_NAME}' header. "
            f"Expected '{HEADER_NAME}: {HEADER_TYPE} <JWT>'",
        )
    parts = candidates[0].split()
    if len(parts) != 2:
        raise TokenError(
            422, f"Bad {HEADER_NAME} header. Expected '{HEADER_NAME}: {HEADER_TYPE} <JWT>'"
        )
    return parts[1]


def decode(token: str, *, secret: str, refresh: bool = False) -> dict[str, Any]:
    """Verify `token` and its type; TokenError carries the legacy status and message."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"verify_aud": False, "verify_sub": True},
            leeway=0,
        )
    except jwt.ExpiredSignatureError:
        raise TokenError(401, "Token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(422, str(exc)) from None
    if "sub" not in claims:
        raise TokenError(422, "Missing claim: sub")
    claims.setdefault("type", "access")
    claims.setdefault("fresh", False)
    claims.setdefault("jti", None)
    if refresh and claims["type"] != "refresh":
        raise TokenError(422, "Only refresh tokens are allowed")
    if not refresh and claims["type"] == "refresh":
        raise TokenError(422, "Only non-refresh tokens are allowed")
    return claims


def is_revoked(session: Session, jti: str | None) -> bool:
    if not jti:
        return False
    return session.scalar(select(RevokedToken.jti).where(RevokedToken.jti == jti)) is not None


def active_user(session: Session, user_id: Any) -> User | None:
    """The token's user if it still exists and is active, else None (D6)."""
    user = session.get(User, str(user_id))
    return user if user is not None and user.is_active else None


def revoke(session: Session, claims: dict[str, Any]) -> None:
    """Record `claims["jti"]` as revoked (idempotent)."""
    jti = claims.get("jti")
    if not jti or is_revoked(session, jti):
        return
    exp = claims.get("exp")
    expires_at = datetime.fromtimestamp(exp, tz=UTC) if isinstance(exp, int | float) else None
    session.add(
        RevokedToken(
            jti=jti,
            token_type=str(claims.get("type", "access")),
            user_id=str(claims.get("sub")),
            expires_at=expires_at,
        )
    )
    session.flush()
