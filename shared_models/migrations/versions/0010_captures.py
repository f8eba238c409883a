"""traffic capture switches (cutover_captures)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 20:10:00

Issue 11 point 3: per legacy route key, the share of requests the gateway records into
its capture files (no row: not recorded). Changes are audited in `cutover_audit`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared_models.models.base

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cutover_captures",
        sa.Column("route_key", sa.String(length=200), nullable=False),
        sa.Column("sample_rate", sa.Float(), nullable=False),
        sa.Column("updated_at", shared_models.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("route_key", name=op.f("pk_cutover_captures")),
    )


def downgrade() -> None:
    op.drop_table("cutover_captures")
