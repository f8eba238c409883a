"""Rows that only matter for a while: expired revocations and old login-attempt windows.

The scheduler's leader purges them now and then, so the tables stay the size of the
current traffic instead of its whole history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from shared_models.models import LoginAttempt, RevokedToken

LOGIN_WINDOW_KEPT = timedelta(minutes=2)  # the limit counts per minute; one spare window


def purge_expired(session: Session, now: datetime) -> dict[str, int]:
    """Delete revocations of tokens that have expired anyway, and finished login windows."""
    revoked = session.execute(
        delete(RevokedToken).where(RevokedToken.expires_at.is_not(None), RevokedToken.expires_at < now)
    ).rowcount
    attempts = session.execute(
        delete(LoginAttempt).where(LoginAttempt.window_start < now - LOGIN_WINDOW_KEPT)
    ).rowcount
    return {"revoked_tokens": revoked or 0, "login_attempts": attempts or 0}
