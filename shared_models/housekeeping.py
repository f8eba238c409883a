"""Rows that only matter for a while: expired revocations and rotation-family members (D20),
old login-attempt windows, and the statistics rollup's deltas (folded into one row per
day and status).

The scheduler's leader does this now and then, so the tables stay the size of the
current traffic instead of its whole history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from shared_models.models import LoginAttempt, RefreshTokenUse, RevokedToken
from shared_models.services.execution_totals import fold_deltas

LOGIN_WINDOW_KEPT = timedelta(minutes=2)  # the limit counts per minute; one spare window


def purge_expired(session: Session, now: datetime) -> dict[str, int]:
    """Delete revocations of tokens that have expired anyway and finished login windows;
    fold the statistics deltas. Returns the rows removed per table."""
    revoked = session.execute(
        delete(RevokedToken).where(RevokedToken.expires_at.is_not(None), RevokedToken.expires_at < now)
    ).rowcount
    family_members = session.execute(
        delete(RefreshTokenUse).where(RefreshTokenUse.expires_at.is_not(None), RefreshTokenUse.expires_at < now)
    ).rowcount
    attempts = session.execute(
        delete(LoginAttempt).where(LoginAttempt.window_start < now - LOGIN_WINDOW_KEPT)
    ).rowcount
    return {
        "revoked_tokens": revoked or 0,
        "refresh_token_uses": family_members or 0,
        "login_attempts": attempts or 0,
        "execution_stat_deltas": fold_deltas(session),
    }
