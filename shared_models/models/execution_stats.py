"""The daily rollup of execution counts and durations, behind GET /executions/statistics
and the total of GET /executions.

Neither stack writes it: database triggers on `job_executions` (migration 0004) append
one signed row per change (an insert adds, a delete subtracts, an update does both), so
every writer (either stack, the scheduler, a cascade from a deleted job) keeps it
exact. Appending instead of updating one counter row keeps concurrent writers from
queueing on a hot row; `shared_models.services.execution_totals.fold_deltas` sums the rows of
each (day, status) into one now and then.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.models.base import Base


class ExecutionStatDelta(Base):
    __tablename__ = "execution_stat_deltas"
    # Derived from job_executions by triggers: snapshots and row diffs skip it.
    __table_args__ = {"info": {"derived": True}}

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    # The UTC day of `started_at` as the number YYYYMMDD: ordered like the instants.
    day_key: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    executions: Mapped[int] = mapped_column(Integer, nullable=False)
    duration_sum: Mapped[float] = mapped_column(Float, nullable=False)
    duration_count: Mapped[int] = mapped_column(Integer, nullable=False)
