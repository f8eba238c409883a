"""Traffic capture switches: which legacy routes the gateway records, and how often.

A route without a row is not captured. Rows live next to the cutover flags (same
database, same refresh) so every worker and replica starts or stops recording within
one flag refresh; changes are audited in `cutover_audit` under `capture:<route key>`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.clock import utcnow
from shared_models.models.base import Base, UTCDateTime


class CutoverCapture(Base):
    """Record `sample_rate` (0 < rate <= 1) of the requests of one route key."""

    __tablename__ = "cutover_captures"

    route_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    sample_rate: Mapped[float] = mapped_column(Float, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))
