"""SQLite transaction boundaries (shared_models.db): what `configure_engine`'s BEGINs do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, exc, text

from shared_models.db import WRITE_OPTION, configure_engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = configure_engine(create_engine(f"sqlite:///{tmp_path / 'boundaries.db'}"))
    with engine.connect() as connection, connection.begin():
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def count(connection: Any) -> int:
    return connection.execute(text("SELECT count(*) FROM t")).scalar_one()


def test_a_read_transaction_reads_one_snapshot(engine: Engine) -> None:
    """The deferred BEGIN (emitted on the DBAPI cursor) really opens a transaction: a
    row another connection commits meanwhile stays unseen until it ends."""
    with engine.connect() as reader, engine.connect() as writer:
        with reader.begin():
            assert reader.connection.dbapi_connection.in_transaction
            assert count(reader) == 0
            with writer.begin():
                writer.execute(text("INSERT INTO t VALUES (1)"))
            assert count(reader) == 0
        with reader.begin():
            assert count(reader) == 1


def test_a_begin_that_fails_raises_as_the_full_execute_path_does(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.connection.dbapi_connection.execute("BEGIN")  # a transaction the pool does not know of
        with pytest.raises(exc.OperationalError, match="within a transaction"):
            connection.begin()


def test_write_transactions_begin_immediate_through_the_execute_path(engine: Engine) -> None:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as connection, connection.execution_options(**{WRITE_OPTION: True}).begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as connection, connection.begin():
            assert count(connection) == 1
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == ["BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)", "SELECT count(*) FROM t"]
