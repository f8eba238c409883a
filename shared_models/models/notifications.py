from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.models.base import Base, UTCDateTime, created_at_column, id_column


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    related_job_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="SET NULL")
    )
    related_execution_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("job_executions.id", ondelete="SET NULL")
    )
    is_read: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    # Serves the page (ids picked from the index alone), the count and the unread count
    # (migration 0005 has the figures).
    __table_args__ = (
        Index("ix_notifications_user_id_created_at_id_is_read", "user_id", "created_at", "id", "is_read"),
    )
