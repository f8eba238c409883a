"""route window figures, rollouts, rollout decisions, cutover leases

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06 08:00:00

Issue 13 (progressive rollout): every gateway worker adds its per-route, per-stack
request and 5xx counts and a fixed-bucket latency histogram to `route_windows` /
`route_window_latency` (one row per slot), so all workers and replicas judge the same
figures; `rollouts` and `rollout_decisions` keep a rollout and its audited decisions
(a restart resumes from them); `cutover_leases` lets one process judge at a time.
A route has at most one running or paused rollout (partial unique index).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared_models.models.base

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

ACTIVE = "state IN ('running', 'paused')"


def upgrade() -> None:
    op.create_table(
        "route_windows",
        sa.Column("route_key", sa.String(length=200), nullable=False),
        sa.Column("stack", sa.String(length=10), nullable=False),
        sa.Column("slot_start", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("errors_5xx", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("route_key", "stack", "slot_start", name=op.f("pk_route_windows")),
    )
    op.create_index("ix_route_windows_slot_start", "route_windows", ["slot_start"], unique=False)
    op.create_table(
        "route_window_latency",
        sa.Column("route_key", sa.String(length=200), nullable=False),
        sa.Column("stack", sa.String(length=10), nullable=False),
        sa.Column("slot_start", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("le_us", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("route_key", "stack", "slot_start", "le_us", name=op.f("pk_route_window_latency")),
    )
    op.create_index("ix_route_window_latency_slot_start", "route_window_latency", ["slot_start"], unique=False)
    op.create_table(
        "rollouts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("route_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("steps", sa.String(length=200), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("hold_seconds", sa.Float(), nullable=False),
        sa.Column("min_requests", sa.Integer(), nullable=False),
        sa.Column("started_at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(length=120), nullable=False),
        sa.Column("step_started_at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", shared_models.models.base.UTCDateTime(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("verdict_reason", sa.Text(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=True),
        sa.Column("judged_at", shared_models.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollouts")),
    )
    op.create_index("ix_rollouts_route_key_started_at", "rollouts", ["route_key", "started_at"], unique=False)
    op.create_index(
        "uq_rollouts_active_route_key", "rollouts", ["route_key"], unique=True,
        sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE),
    )
    op.create_table(
        "rollout_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rollout_id", sa.String(length=36), nullable=False),
        sa.Column("route_key", sa.String(length=200), nullable=False),
        sa.Column("at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("from_percent", sa.Integer(), nullable=True),
        sa.Column("to_percent", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_decisions")),
    )
    op.create_index("ix_rollout_decisions_route_key_at", "rollout_decisions", ["route_key", "at"], unique=False)
    op.create_table(
        "cutover_leases",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("expires_at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cutover_leases")),
    )


def downgrade() -> None:
    op.drop_table("cutover_leases")
    op.drop_index("ix_rollout_decisions_route_key_at", table_name="rollout_decisions")
    op.drop_table("rollout_decisions")
    op.drop_index("uq_rollouts_active_route_key", table_name="rollouts")
    op.drop_index("ix_rollouts_route_key_started_at", table_name="rollouts")
    op.drop_table("rollouts")
    op.drop_index("ix_route_window_latency_slot_start", table_name="route_window_latency")
    op.drop_table("route_window_latency")
    op.drop_index("ix_route_windows_slot_start", table_name="route_windows")
    op.drop_table("route_windows")
