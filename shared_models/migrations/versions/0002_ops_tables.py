"""ops tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:00:51.061078
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared_models.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cutover_audit',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('route_key', sa.String(length=200), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('parity', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cutover_audit'))
    )
    with op.batch_alter_table('cutover_audit', schema=None) as batch_op:
        batch_op.create_index('ix_cutover_audit_route_key_at', ['route_key', 'at'], unique=False)

    op.create_table('cutover_flags',
    sa.Column('route_key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('canary_percent', sa.Integer(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('route_key', name=op.f('pk_cutover_flags'))
    )
    op.create_table('cutover_switches',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cutover_switches'))
    )
    op.create_table('login_attempts',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('window_start', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_attempts'))
    )
    op.create_table('parity_results',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('route_key', sa.String(length=200), nullable=False),
    sa.Column('run_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('mismatched', sa.Integer(), nullable=False),
    sa.Column('statuses', sa.Text(), nullable=True),
    sa.Column('report_path', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parity_results'))
    )
    with op.batch_alter_table('parity_results', schema=None) as batch_op:
        batch_op.create_index('ix_parity_results_route_key_run_at', ['route_key', 'run_at'], unique=False)

    op.create_table('shadow_mismatches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('route_key', sa.String(length=200), nullable=False),
    sa.Column('at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('diff', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shadow_mismatches'))
    )
    with op.batch_alter_table('shadow_mismatches', schema=None) as batch_op:
        batch_op.create_index('ix_shadow_mismatches_route_key_at', ['route_key', 'at'], unique=False)

    op.create_table('shadow_stats',
    sa.Column('route_key', sa.String(length=200), nullable=False),
    sa.Column('compared', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('mismatched', sa.Integer(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('route_key', name=op.f('pk_shadow_stats'))
    )


def downgrade() -> None:
    op.drop_table('shadow_stats')
    with op.batch_alter_table('shadow_mismatches', schema=None) as batch_op:
        batch_op.drop_index('ix_shadow_mismatches_route_key_at')

    op.drop_table('shadow_mismatches')
    with op.batch_alter_table('parity_results', schema=None) as batch_op:
        batch_op.drop_index('ix_parity_results_route_key_run_at')

    op.drop_table('parity_results')
    op.drop_table('login_attempts')
    op.drop_table('cutover_switches')
    op.drop_table('cutover_flags')
    with op.batch_alter_table('cutover_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_cutover_audit_route_key_at')

    op.drop_table('cutover_audit')
