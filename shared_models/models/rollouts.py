"""What the progressive rollout needs in the shared database: per-route window figures
that every gateway worker adds to, the rollouts themselves, their decisions, and the
lease that lets exactly one process judge at a time.

Figures are kept per (route, stack, slot): `slot_start` is a UTC instant on a
CUTOVER_FIGURES_SLOT_SECONDS grid, and each worker adds its counts to the slot's row
(an atomic upsert `x = x + n`), so every worker and replica judges the same numbers.
Latency is a histogram with fixed upper bounds (`le_us`, microseconds, see `cutover.figures`),
one row per non-empty bucket, so a window's p99 is read from the merged buckets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.clock import utcnow
from shared_models.models.base import Base, UTCDateTime, id_column

ROLLOUT_STATES = ("running", "paused", "completed", "rolled_back", "aborted")
ACTIVE_ROLLOUT_STATES = ("running", "paused")


class RouteWindow(Base):
    """Requests and 5xx answers of one route on one stack (`legacy`/`fastapi`) in one slot."""

    __tablename__ = "route_windows"

    route_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    stack: Mapped[str] = mapped_column(String(10), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors_5xx: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_route_windows_slot_start", "slot_start"),)


class RouteWindowLatency(Base):
    """How many of those requests took at most `le_us` microseconds (and more than the
    next smaller bound): one histogram bucket, not cumulative."""

    __tablename__ = "route_window_latency"

    route_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    stack: Mapped[str] = mapped_column(String(10), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    le_us: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_route_window_latency_slot_start", "slot_start"),)


class Rollout(Base):
    """One progressive rollout of a route through canary steps (percent of callers).

    `step_index` points into `steps` ("1,5,25,50,100"); the step's evidence is what was
    served since `step_started_at`. At most one running or paused rollout per route
    (a partial unique index). `verdict`/`verdict_reason`/`figures` are the latest
    judgement, also while it waits.
    """

    __tablename__ = "rollouts"

    id: Mapped[str] = id_column()
    route_key: Mapped[str] = mapped_column(String(200), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="running")
    steps: Mapped[str] = mapped_column(String(200), nullable=False)
    step_index: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hold_seconds: Mapped[float] = mapped_column(Float, nullable=False)
    min_requests: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    started_by: Mapped[str] = mapped_column(String(120), nullable=False)
    step_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_reason: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[str | None] = mapped_column(Text)  # JSON
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_rollouts_route_key_started_at", "route_key", "started_at"),
        Index(
            "uq_rollouts_active_route_key", "route_key", unique=True,
            sqlite_where=text("state IN ('running', 'paused')"),
            postgresql_where=text("state IN ('running', 'paused')"),
        ),
    )


class RolloutDecision(Base):
    """Every step a rollout took, or an operator took for it, with the figures behind it.

    `action`: start, promote, complete, rollback, pause, resume, abort.
    """

    __tablename__ = "rollout_decisions"

    id: Mapped[str] = id_column()
    rollout_id: Mapped[str] = mapped_column(String(36), nullable=False)
    route_key: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    step_index: Mapped[int] = mapped_column(Integer, nullable=False)
    from_percent: Mapped[int | None] = mapped_column(Integer)
    to_percent: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[str | None] = mapped_column(Text)  # JSON

    __table_args__ = (Index("ix_rollout_decisions_route_key_at", "route_key", "at"),)


class CutoverLease(Base):
    """A named lease (e.g. the rollout judge): held by `holder` until `expires_at`."""

    __tablename__ = "cutover_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
