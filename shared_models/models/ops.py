"""Operational tables: cutover flags and their audit, parity results, shadow comparisons,
and login attempts. They live in the shared database so every worker and replica sees
the same state (the gateway reads flags, the parity harness writes results)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.clock import utcnow
from shared_models.models.base import Base, UTCDateTime, id_column

CUTOVER_STATES = ("legacy", "shadow", "canary", "fastapi")


class CutoverFlag(Base):
    """Who answers one legacy route (method + Flask path template, e.g. `GET /api/jobs/<job_id>`).

    A route without a row is `legacy`.
    """

    __tablename__ = "cutover_flags"

    route_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="legacy")
    canary_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class CutoverSwitch(Base):
    """Global switches, e.g. `flask_retired`."""

    __tablename__ = "cutover_switches"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class CutoverAudit(Base):
    """Every change of a flag or switch: who, when, from, to, why, and the route's parity
    figures at that moment (JSON text)."""

    __tablename__ = "cutover_audit"

    id: Mapped[str] = id_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120), nullable=False)
    route_key: Mapped[str] = mapped_column(String(200), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    forced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    parity: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_cutover_audit_route_key_at", "route_key", "at"),)


class ParityResult(Base):
    """One parity-harness run's figures for one route; the cutover gate reads the latest."""

    __tablename__ = "parity_results"

    id: Mapped[str] = id_column()
    run_id: Mapped[str] = mapped_column(String(36), nullable=False)
    route_key: Mapped[str] = mapped_column(String(200), nullable=False)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    backend: Mapped[str] = mapped_column(String(20), nullable=False)
    cases: Mapped[int] = mapped_column(Integer, nullable=False)
    matched: Mapped[int] = mapped_column(Integer, nullable=False)
    mismatched: Mapped[int] = mapped_column(Integer, nullable=False)
    statuses: Mapped[str | None] = mapped_column(Text)  # JSON list of status codes produced
    report_path: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_parity_results_route_key_run_at", "route_key", "run_at"),)


class ShadowStat(Base):
    """Shadow-traffic counters per route, summed over every worker."""

    __tablename__ = "shadow_stats"

    route_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    compared: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    matched: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mismatched: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class ShadowMismatch(Base):
    """A recent shadow mismatch with its diff (the gateway keeps the last N per route) and
    both answers as JSON text (`cutover.answers.capture`; NULL on rows older than 0011)."""

    __tablename__ = "shadow_mismatches"

    id: Mapped[str] = id_column()
    route_key: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    request: Mapped[str] = mapped_column(Text, nullable=False)
    diff: Mapped[str] = mapped_column(Text, nullable=False)
    legacy_answer: Mapped[str | None] = mapped_column(Text)
    fastapi_answer: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_shadow_mismatches_route_key_at", "route_key", "at"),)


class LoginAttempt(Base):
    """Login attempts per (username, client address) in the current window, shared by
    every worker so the limit holds across processes."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
