"""read-path indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:30:00

`ix_job_executions_status_duration_seconds`: the execution statistics (§3.6.3,
§3.6.6) group by status and sum durations; this narrow index covers that query, so
the unfiltered statistics read ~1M small index entries in status order instead of
scanning the table (measured at 1M executions on SQLite: 153 ms → ~60 ms).
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_executions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_executions_status_duration_seconds", ["status", "duration_seconds"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("job_executions", schema=None) as batch_op:
        batch_op.drop_index("ix_job_executions_status_duration_seconds")
