"""Opt-in refresh-token rotation with a reuse window and reuse detection (D20).

By default refresh does not rotate and nothing here runs: the login refresh token is good
for its whole life, any number of times, concurrently. With `REFRESH_TOKEN_ROTATION=true`
a login starts a *family* (its refresh token's `jti` is the family id) and every refresh
adds a new access and refresh token to it::

    start_family(session=s, issued=login_tokens)             # at login
    family = consume(session=s, settings=st, claims=claims)  # at refresh: claim the use
    record_issued(session=s, family_id=family, issued=new)   # the tokens just issued

`consume` claims a refresh token's first use with one INSERT .. ON CONFLICT DO UPDATE
.. RETURNING (no read-then-write race between workers or replicas): every caller gets
the *first* use's instant back. Within `REFRESH_TOKEN_REUSE_SECONDS` of it the token
still works (parallel requests of one page refresh with the same token at once); after
it the use is a replay, so the whole family (every token recorded for it, and the one
presented) is revoked, committed, and the caller gets 401 "Token has been revoked".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.errors import TokenError
from shared_models.models import RefreshTokenUse, RevokedToken
from shared_models.settings import Settings
from shared_models.tokens import REVOKED_MSG


def _insert(session: Session, model: Any) -> Any:
    """The dialect's INSERT with ON CONFLICT support (both databases we run on have it)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"refresh rotation needs ON CONFLICT (not on {dialect})")  # pragma: no cover


def _expiry(claims: Mapping[str, Any]) -> datetime | None:
    exp = claims.get("exp")
    return datetime.fromtimestamp(exp, tz=UTC) if isinstance(exp, int | float) else None


def _member(claims: Mapping[str, Any], family_id: str) -> dict[str, Any]:
    return {
        "jti": str(claims["jti"]),
        "family_id": family_id,
        "token_type": str(claims.get("type", "access")),
        "user_id": str(claims.get("sub")),
        "expires_at": _expiry(claims),
    }


def _unverified(token: str) -> dict[str, Any]:
    """Claims of a token this process just signed (no need to verify our own signature)."""
    return jwt.decode(token, options={"verify_signature": False})


def record_issued(*, session: Session, family_id: str, issued: Mapping[str, str]) -> None:
    """Add freshly issued tokens (access and refresh) to `family_id`, unconsumed."""
    rows = [_member(_unverified(token), family_id) for token in issued.values()]
    session.execute(_insert(session, RefreshTokenUse).values(rows).on_conflict_do_nothing())


def start_family(*, session: Session, issued: Mapping[str, str]) -> str:
    """At login: the new refresh token's `jti` names a family holding both tokens."""
    family_id = str(_unverified(issued["refresh_token"])["jti"])
    record_issued(session=session, family_id=family_id, issued=issued)
    return family_id


def consume(*, session: Session, settings: Settings, claims: Mapping[str, Any]) -> str:
    """Claim one use of the refresh token `claims`; its family id, or 401 on reuse.

    A token issued before rotation was switched on has no row: it roots a family of its own.
    """
    now = utcnow()
    statement = _insert(session, RefreshTokenUse).values({**_member(claims, str(claims["jti"])), "consumed_at": now})
    table = RefreshTokenUse.__table__
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.jti],
        set_={"consumed_at": func.coalesce(table.c.consumed_at, statement.excluded.consumed_at)},
    ).returning(RefreshTokenUse.family_id, RefreshTokenUse.consumed_at)
    family_id, first_use = session.execute(statement).one()
    if now - first_use > timedelta(seconds=settings.REFRESH_TOKEN_REUSE_SECONDS):
        revoke_family(session=session, family_id=family_id, also=[claims])
        session.commit()  # the error answer rolls the request back; the revocation must stay
        raise TokenError(401, REVOKED_MSG)
    return str(family_id)


def revoke_family(
    *, session: Session, family_id: str, also: Iterable[Mapping[str, Any]] = ()
) -> int:
    """Revoke every recorded token of `family_id` (plus `also`); the number of jtis."""
    members = {
        row.jti: {"jti": row.jti, "token_type": row.token_type, "user_id": row.user_id, "expires_at": row.expires_at}
        for row in session.execute(
            select(
                RefreshTokenUse.jti, RefreshTokenUse.token_type, RefreshTokenUse.user_id, RefreshTokenUse.expires_at
            ).where(RefreshTokenUse.family_id == family_id)
        )
    }
    for claims in also:
        member = _member(claims, family_id)
        member.pop("family_id")
        members.setdefault(member["jti"], member)
    if members:
        now = utcnow()
        rows = [{**member, "revoked_at": now} for member in members.values()]
        session.execute(_insert(session, RevokedToken).values(rows).on_conflict_do_nothing())
    return len(members)
