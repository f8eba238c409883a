"""Expired revocations and finished login windows are purged, live ones kept; the
statistics deltas are folded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.housekeeping import purge_expired
from shared_models.models import ExecutionStatDelta, LoginAttempt, RefreshTokenUse, RevokedToken
from tests.helpers import at, make_execution, make_job


def test_purge_keeps_what_still_matters(db: Session) -> None:
    now = utcnow()
    db.add_all([
        RevokedToken(jti="expired", token_type="access", expires_at=now - timedelta(seconds=1)),
        RevokedToken(jti="live", token_type="refresh", expires_at=now + timedelta(days=1)),
        RevokedToken(jti="no-expiry", token_type="access", expires_at=None),
        RefreshTokenUse(jti="spent", family_id="f", token_type="refresh", expires_at=now - timedelta(seconds=1)),
        RefreshTokenUse(jti="member", family_id="f", token_type="refresh", expires_at=now + timedelta(days=1)),
        LoginAttempt(key="old", window_start=now - timedelta(minutes=5), count=3),
        LoginAttempt(key="current", window_start=now - timedelta(seconds=30), count=9),
    ])
    db.commit()
    job = make_job(db)
    for minute in (1, 2, 3):  # three deltas of one (hour, status): folded into one
        make_execution(db, job, started_at=at(2026, 4, 1, 10, minute), status="success")

    assert purge_expired(db, now) == {
        "revoked_tokens": 1, "refresh_token_uses": 1, "login_attempts": 1, "execution_stat_deltas": 2,
    }
    db.commit()

    assert set(db.scalars(select(RevokedToken.jti))) == {"live", "no-expiry"}
    assert set(db.scalars(select(RefreshTokenUse.jti))) == {"member"}
    assert set(db.scalars(select(LoginAttempt.key))) == {"current"}
    assert db.execute(select(ExecutionStatDelta.executions, ExecutionStatDelta.duration_sum)).all() == [(3, 6.0)]
