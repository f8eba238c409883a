"""What every process does once before serving: check settings, migrate, seed."""

from __future__ import annotations

from sqlalchemy import Engine

from shared_models.db import begin_write, make_sessionmaker
from shared_models.migrate import upgrade
from shared_models.seed import seed_categories, seed_dev_admin
from shared_models.settings import Settings


def prepare_database(engine: Engine, settings: Settings) -> None:
    """Refuse unsafe production settings, apply migrations, insert the seed data."""
    settings.validate_for_production()
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        begin_write(session)
        seed_categories(session)
        seed_dev_admin(session, settings)
        session.commit()
