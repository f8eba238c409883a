from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.clock import utcnow
from shared_models.models.base import (
    Base,
    UTCDateTime,
    created_at_column,
    id_column,
    updated_at_column,
)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    cron_expression: Mapped[str] = mapped_column(String(100), nullable=False)
    target_url: Mapped[str | None] = mapped_column(String(500))
    github_owner: Mapped[str | None] = mapped_column(String(255))
    github_repo: Mapped[str | None] = mapped_column(String(255))
    github_workflow_name: Mapped[str | None] = mapped_column(String(255))
    job_metadata: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100), nullable=False, default="general")
    end_date: Mapped[date | None] = mapped_column(Date)
    pic_team: Mapped[str | None] = mapped_column(String(100))
    enable_email_notifications: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notification_emails: Mapped[str | None] = mapped_column(Text)
    notify_on_success: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (Index("ix_jobs_created_at_id", "created_at", "id"),)


class JobExecution(Base):
    __tablename__ = "job_executions"

    id: Mapped[str] = id_column()
    job_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    trigger_type: Mapped[str] = mapped_column(String(20), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    execution_type: Mapped[str | None] = mapped_column(String(50))
    target: Mapped[str | None] = mapped_column(String(500))
    response_status: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    # The scheduler's claim on one (job, slot): unique, so no slot fires twice. Manual
    # runs leave it NULL (NULLs never collide in a unique constraint).
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Delivery phase (issue 15), written BEFORE each step so a new scheduler leader knows
    # what an interrupted run did: "claimed" (row committed, nothing sent), "sending" (the
    # outbound call may have reached the target), "answered" (the answer is stored on the
    # row). NULL on rows older than migration 0008. `send_attempts` counts calls started,
    # so a takeover resends at most once.
    phase: Mapped[str | None] = mapped_column(String(10))
    send_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("job_id", "scheduled_for", name="uq_job_executions_job_slot"),
        Index("ix_job_executions_started_at_id", "started_at", "id"),
        Index("ix_job_executions_job_id_started_at", "job_id", "started_at"),
        # Covers the statistics pass (migration 0003 says why it is not led by status).
        Index("ix_job_executions_duration_seconds_status", "duration_seconds", "status"),
    )
