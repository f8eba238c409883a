"""Bring a database to the latest schema with Alembic (start-up and tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from shared_models.db import WRITE_OPTION

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant shared by every process of this project: serialises start-up on PostgreSQL.
STARTUP_LOCK_KEY = 727_274_001


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def lock_for_startup(connection: Connection) -> None:
    """Hold the database for one starting process at a time, until the transaction ends.

    Several workers or replicas start at once; without this they race to migrate and
    seed. SQLite gets it from BEGIN IMMEDIATE (the connection's write option).
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({STARTUP_LOCK_KEY})")


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Run the migrations inside `connection`'s current transaction."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations on `engine`'s database up to `revision`, in one locked transaction."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            lock_for_startup(connection)
            upgrade_connection(connection, revision)
