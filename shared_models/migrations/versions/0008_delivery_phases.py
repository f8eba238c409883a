"""delivery phases on executions, weekly maintenance runs

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-06 20:00:00

Issue 15 (effectively-once delivery): `job_executions.phase` (claimed -> sending ->
answered, written before each step) and `send_attempts` let a new scheduler leader
resolve a run its predecessor left `running`: send it, resend it once with the same
Idempotency-Key, or only finish its record. `maintenance_runs` keys the weekly
maintenance by slot so it applies once across a leader's death. Rows older than this
migration keep `phase` NULL (their fate cannot be known).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared_models.models.base

revision = "0008"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_executions") as batch:
        batch.add_column(sa.Column("phase", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("send_attempts", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "maintenance_runs",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("slot", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("applied_at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("messages", sa.Text(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("finished_at", shared_models.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", "slot", name=op.f("pk_maintenance_runs")),
    )


def downgrade() -> None:
    op.drop_table("maintenance_runs")
    with op.batch_alter_table("job_executions") as batch:
        batch.drop_column("send_attempts")
        batch.drop_column("phase")
