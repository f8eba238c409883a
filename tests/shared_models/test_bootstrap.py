"""Start-up preparation is safe when several workers start at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND

PREPARE = (
    "import sys\n"
    "from shared_models.settings import Settings\n"
    "from shared_models.db import make_engine\n"
    "from shared_models.bootstrap import prepare_database\n"
    "s = Settings(_env_file=None, DATABASE_URL=sys.argv[1], ALLOW_DEFAULT_ADMIN=True)\n"
    "prepare_database(make_engine(s), s)\n"
)


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
