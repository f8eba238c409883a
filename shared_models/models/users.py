from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.models.base import (
    Base,
    UTCDateTime,
    created_at_column,
    id_column,
    updated_at_column,
)

ROLES = ("admin", "user", "viewer")


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    username: Mapped[str] = mapped_column(String(80), nullable=False, unique=True, index=True)
    email: Mapped[str] = mapped_column(String(120), nullable=False, unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="viewer")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime | None] = created_at_column(nullable=True)
    updated_at: Mapped[datetime | None] = updated_at_column(nullable=True)


class UserNotificationPreferences(Base):
    __tablename__ = "user_notification_preferences"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    email_on_job_success: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    email_on_job_failure: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    email_on_job_disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    browser_notifications: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    daily_digest: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    weekly_report: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime | None] = created_at_column(nullable=True)
    updated_at: Mapped[datetime | None] = updated_at_column(nullable=True)


class UserUiPreferences(Base):
    __tablename__ = "user_ui_preferences"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    jobs_table_columns: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class RevokedToken(Base):
    """D6: a revoked token's `jti`; both stacks refuse it until it would have expired."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_type: Mapped[str] = mapped_column(String(10), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(36))
    revoked_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class RefreshTokenUse(Base):
    """D20, opt-in rotation: one row per token of a rotating family (a login and the
    refreshes descending from it). `consumed_at` is a refresh token's first use; a use
    after it plus the reuse window is reuse, and revokes every `jti` of the family."""

    __tablename__ = "refresh_token_uses"

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    token_type: Mapped[str] = mapped_column(String(10), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(36))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
