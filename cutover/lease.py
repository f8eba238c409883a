"""A named lease in the shared database: at most one holder at a time, across workers
and replicas, that lapses when its holder stops renewing it (a crashed process).

    if lease.acquire(session, "rollout-judge", holder="host:1234:ab12", seconds=10):
        ...                                   # ours until now + 10 s; renew before then
    lease.release(session, "rollout-judge", holder="host:1234:ab12")   # shutdown: let go now

`acquire` takes a free or lapsed lease, renews one already held by `holder`, and
refuses one another holder still holds. It runs in its own write transaction (IMMEDIATE
on SQLite, the row locked FOR UPDATE on PostgreSQL; two first inserts at once: one
wins on the primary key) and commits. Times come from `shared_models.clock`, like the
rollout's own, so tests that move the clock move leases with it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.models.rollouts import CutoverLease


def acquire(session: Session, name: str, *, holder: str, seconds: float) -> bool:
    """Take or renew the lease for `seconds`; False while someone else holds it."""
    begin_write(session)
    now = utcnow()
    row = session.scalars(select(CutoverLease).where(CutoverLease.name == name).with_for_update()).first()
    if row is None:
        session.add(CutoverLease(name=name, holder=holder, expires_at=now + timedelta(seconds=seconds)))
    elif row.holder == holder or row.expires_at <= now:
        row.holder, row.expires_at = holder, now + timedelta(seconds=seconds)
    else:
        session.rollback()
        return False
    try:
        session.commit()
    except IntegrityError:  # another process inserted the first row a moment before us
        session.rollback()
        return False
    return True


def release(session: Session, name: str, *, holder: str) -> bool:
    """Let the lease lapse now if `holder` has it (so a standby takes over at once)."""
    begin_write(session)
    row = session.scalars(select(CutoverLease).where(CutoverLease.name == name).with_for_update()).first()
    if row is None or row.holder != holder:
        session.rollback()
        return False
    row.expires_at = utcnow()
    session.commit()
    return True


def holder_of(session: Session, name: str) -> str | None:
    """Who holds the lease now (None when free or lapsed)."""
    row = session.get(CutoverLease, name, populate_existing=True)
    return row.holder if row is not None and row.expires_at > utcnow() else None
