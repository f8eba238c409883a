"""Start-up preparation is safe when several workers start at once."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND, POSTGRES_URL

PREPARE = (
    "import sys\n"
    "from shared_models.settings import Settings\n"
    "from shared_models.db import make_engine\n"
    "from shared_models.bootstrap import prepare_database\n"
    "s = Settings(_env_file=None, DATABASE_URL=sys.argv[1], ALLOW_DEFAULT_ADMIN=True)\n"
    "prepare_database(make_engine(s), s)\n"
)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"cronjob_fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_four_processes_preparing_one_empty_database(empty_database: str) -> None:
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen([sys.executable, "-c", PREPARE, empty_database], cwd=root, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    failures = [p.stderr.read().decode()[-500:] for p in processes if p.wait(timeout=120) != 0]  # type: ignore[union-attr]
    assert failures == []
    engine = create_engine(make_url(empty_database).set(
        drivername="postgresql+psycopg" if BACKEND == "postgresql" else "sqlite+pysqlite"
    ))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users WHERE username = 'admin'")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM job_categories")).scalar() == 7
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() is not None
    engine.dispose()
