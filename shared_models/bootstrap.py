"""What every process does once before serving: check settings, migrate, seed."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.db import WRITE_OPTION
from shared_models.migrate import lock_for_startup, upgrade_connection
from shared_models.seed import seed_categories, seed_dev_admin
from shared_models.settings import Settings


def prepare_database(engine: Engine, settings: Settings) -> None:
    """Refuse unsafe production settings, apply migrations, insert the seed data.

    One transaction under the start-up lock, so workers starting together neither race
    the migrations nor insert the seed twice.
    """
    settings.validate_for_production()
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            lock_for_startup(connection)
            upgrade_connection(connection)
            with Session(bind=connection) as session:
                seed_categories(session)
                seed_dev_admin(session, settings)
                session.flush()
