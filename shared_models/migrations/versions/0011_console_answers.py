"""shadow mismatches keep both answers

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-06 20:00:00

Issue 14 (ops console): a route page shows the last shadow mismatches as a side-by-side
diff of the two answers (status, headers, body), so each kept mismatch stores both:
`legacy_answer` and `fastapi_answer`, JSON text `{"status", "headers", "body"}` as
`cutover.answers.capture` writes it (secrets redacted, body capped). Rows kept before
this migration have neither (NULL) and show their diff lines only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shadow_mismatches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legacy_answer", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fastapi_answer", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shadow_mismatches", schema=None) as batch_op:
        batch_op.drop_column("fastapi_answer")
        batch_op.drop_column("legacy_answer")
