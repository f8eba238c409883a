"""The Alembic chain builds exactly the schema the models describe, and carries the data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select

from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.migrate import upgrade
from shared_models.models import Base, ExecutionStatDelta
from shared_models.services.execution_totals import execution_totals
from shared_models.services.filters import ExecutionFilters
from tests.conftest import make_settings
from tests.helpers import at, make_execution, make_job


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_rollup_migration_counts_the_executions_already_there(empty_database: str) -> None:
    """0004 sums existing executions into the rollup, then its triggers take over."""
    engine = make_engine(make_settings(empty_database))
    try:
        upgrade(engine, "0003")
        with make_sessionmaker(engine)() as session:
            begin_write(session)
            job = make_job(session)
            for hour, status, duration in [(1, "success", 2.0), (1, "success", 4.0), (5, "failed", None)]:
                make_execution(session, job, started_at=at(2026, 2, 1, hour), status=status, duration_seconds=duration)
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            make_execution(session, job, started_at=at(2026, 2, 1, 7), status="running", duration_seconds=None)
            totals = execution_totals(session, ExecutionFilters())
            assert (totals.total, totals.success, totals.failed, totals.running) == (4, 2, 1, 1)
            assert totals.mean_duration() == 3.0
            assert session.scalar(select(func.count()).select_from(ExecutionStatDelta)) == 3  # 2 summed + 1 new
    finally:
        engine.dispose()
