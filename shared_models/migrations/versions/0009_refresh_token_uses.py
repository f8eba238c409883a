"""refresh token rotation families (D20)

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-06 20:10:00

Opt-in refresh rotation (`REFRESH_TOKEN_ROTATION=true`) keeps one row per token of a
rotating family: a refresh token's first use (`consumed_at`) is claimed by one
insert-or-update, so concurrent refreshes with one token agree on it without a
read-then-write race, and reuse after the window revokes every `jti` of the family.
With rotation off (the default) the table stays empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared_models.models.base

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refresh_token_uses",
        sa.Column("jti", sa.String(length=36), nullable=False),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("token_type", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("expires_at", shared_models.models.base.UTCDateTime(), nullable=True),
        sa.Column("consumed_at", shared_models.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_refresh_token_uses")),
    )
    op.create_index(op.f("ix_refresh_token_uses_family_id"), "refresh_token_uses", ["family_id"], unique=False)
    op.create_index(op.f("ix_refresh_token_uses_expires_at"), "refresh_token_uses", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_token_uses_expires_at"), table_name="refresh_token_uses")
    op.drop_index(op.f("ix_refresh_token_uses_family_id"), table_name="refresh_token_uses")
    op.drop_table("refresh_token_uses")
