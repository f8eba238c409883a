"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 14:11:24.737354
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared_models.models.base

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_categories',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_categories'))
    )
    with op.batch_alter_table('job_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_categories_slug'), ['slug'], unique=True)

    op.create_table('pic_teams',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('slack_handle', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pic_teams'))
    )
    with op.batch_alter_table('pic_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pic_teams_slug'), ['slug'], unique=True)

    op.create_table('revoked_tokens',
    sa.Column('jti', sa.String(length=36), nullable=False),
    sa.Column('token_type', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('revoked_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_revoked_tokens'))
    )
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_tokens_expires_at'), ['expires_at'], unique=False)

    op.create_table('slack_settings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('webhook_url', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=255), nullable=True),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_settings'))
    )
    op.create_table('users',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_email'), ['email'], unique=True)
        batch_op.create_index(batch_op.f('ix_users_username'), ['username'], unique=True)

    op.create_table('jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('cron_expression', sa.String(length=100), nullable=False),
    sa.Column('target_url', sa.String(length=500), nullable=True),
    sa.Column('github_owner', sa.String(length=255), nullable=True),
    sa.Column('github_repo', sa.String(length=255), nullable=True),
    sa.Column('github_workflow_name', sa.String(length=255), nullable=True),
    sa.Column('job_metadata', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('pic_team', sa.String(length=100), nullable=True),
    sa.Column('enable_email_notifications', sa.Boolean(), nullable=False),
    sa.Column('notification_emails', sa.Text(), nullable=True),
    sa.Column('notify_on_success', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_jobs_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('name', name=op.f('uq_jobs_name'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_created_at_id', ['created_at', 'id'], unique=False)

    op.create_table('user_notification_preferences',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('email_on_job_success', sa.Boolean(), nullable=False),
    sa.Column('email_on_job_failure', sa.Boolean(), nullable=False),
    sa.Column('email_on_job_disabled', sa.Boolean(), nullable=False),
    sa.Column('browser_notifications', sa.Boolean(), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), nullable=False),
    sa.Column('weekly_report', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_notification_preferences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_user_notification_preferences_user_id'))
    )
    op.create_table('user_ui_preferences',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('jobs_table_columns', sa.Text(), nullable=True),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_ui_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_ui_preferences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_user_ui_preferences_user_id'))
    )
    op.create_table('job_executions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('trigger_type', sa.String(length=20), nullable=False),
    sa.Column('started_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.Column('completed_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('execution_type', sa.String(length=50), nullable=True),
    sa.Column('target', sa.String(length=500), nullable=True),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('output', sa.Text(), nullable=True),
    sa.Column('scheduled_for', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_executions_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_executions')),
    sa.UniqueConstraint('job_id', 'scheduled_for', name='uq_job_executions_job_slot')
    )
    with op.batch_alter_table('job_executions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_executions_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_job_executions_job_id_started_at', ['job_id', 'started_at'], unique=False)
        batch_op.create_index('ix_job_executions_started_at_id', ['started_at', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('related_job_id', sa.String(length=36), nullable=True),
    sa.Column('related_execution_id', sa.String(length=36), nullable=True),
    sa.Column('is_read', sa.Boolean(), nullable=False),
    sa.Column('read_at', shared_models.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', shared_models.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['related_execution_id'], ['job_executions.id'], name=op.f('fk_notifications_related_execution_id_job_executions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['related_job_id'], ['jobs.id'], name=op.f('fk_notifications_related_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_created_at', ['user_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_created_at')

    op.drop_table('notifications')
    with op.batch_alter_table('job_executions', schema=None) as batch_op:
        batch_op.drop_index('ix_job_executions_started_at_id')
        batch_op.drop_index('ix_job_executions_job_id_started_at')
        batch_op.drop_index(batch_op.f('ix_job_executions_job_id'))

    op.drop_table('job_executions')
    op.drop_table('user_ui_preferences')
    op.drop_table('user_notification_preferences')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_created_at_id')

    op.drop_table('jobs')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_username'))
        batch_op.drop_index(batch_op.f('ix_users_email'))

    op.drop_table('users')
    op.drop_table('slack_settings')
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_tokens_expires_at'))

    op.drop_table('revoked_tokens')
    with op.batch_alter_table('pic_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pic_teams_slug'))

    op.drop_table('pic_teams')
    with op.batch_alter_table('job_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_categories_slug'))

    op.drop_table('job_categories')
