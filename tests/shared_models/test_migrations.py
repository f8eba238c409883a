"""The Alembic chain builds exactly the schema the models describe, and carries the data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, column, func, insert, select, table

from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.ids import new_id
from shared_models.migrate import upgrade
from shared_models.models import Base, ExecutionStatDelta, UTCDateTime
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
            # Rows as the 0003 schema knows them (the model has columns added since).
            old_rows = table(
                "job_executions", column("id"), column("job_id"), column("status"), column("trigger_type"),
                column("started_at", UTCDateTime()), column("duration_seconds"),
            )
            for hour, status, duration in [(1, "success", 2.0), (1, "success", 4.0), (5, "failed", None)]:
                session.execute(insert(old_rows).values(
                    id=new_id(), job_id=job.id, status=status, trigger_type="scheduled",
                    started_at=at(2026, 2, 1, hour), duration_seconds=duration,
                ))
            session.commit()
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            make_execution(session, job, started_at=at(2026, 2, 1, 7), status="running", duration_seconds=None)
            totals = execution_totals(session, ExecutionFilters())
            assert (totals.total, totals.success, totals.failed, totals.running) == (4, 2, 1, 1)
            assert totals.mean_duration() == 3.0
            assert session.scalar(select(func.count()).select_from(ExecutionStatDelta)) == 3  # 2 summed + 1 new
    finally:
        engine.dispose()
