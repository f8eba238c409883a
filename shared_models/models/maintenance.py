"""The weekly maintenance's own record: one row per slot, so it runs exactly once.

The row is inserted in the same transaction as the maintenance's database work (pauses
and notifications), under the slot's primary key: a second leader, or a leader that
took over after the first died, finds the row and does not apply the work again. The
Slack messages to post after the commit are kept on the row with how many went out, so
a leader that died while posting leaves the rest to the next one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.models.base import Base, UTCDateTime


class MaintenanceRun(Base):
    __tablename__ = "maintenance_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    slot: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    messages: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    """JSON list of the Slack texts to post after the commit."""
    posted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """How many of `messages` were handed to Slack (in order)."""
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
