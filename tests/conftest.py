"""Fixtures for every test: a real database per test, on SQLite or PostgreSQL.

`TEST_DATABASE=postgresql` runs the same suite on the local PostgreSQL server
(`TEST_POSTGRES_URL`, default postgresql://postgres@127.0.0.1:5432/test): the session
creates its own database, migrates it once, empties it between tests and drops it at
the end. Otherwise each test gets a copy of a migrated SQLite file.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models import clock, ids
from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.migrate import upgrade
from shared_models.models import Base
from shared_models.request_log import REQUEST_LOG, JsonLines
from shared_models.seed import seed_categories
from shared_models.settings import Settings
from tests.local_http import LocalHTTPServer

BACKEND = os.environ.get("TEST_DATABASE", "sqlite").lower()
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}"


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "ALLOW_DEFAULT_ADMIN": False,
        "SCHEDULER_ENABLED": False,
        "MAIL_ENABLED": False,
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GITHUB_TOKEN": "",
        "DEFAULT_GITHUB_OWNER": "",
        "DATABASE_POOL_SIZE": 5,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, seeded database: a SQLite file to copy, or a PostgreSQL URL."""
    if BACKEND == "postgresql":
        name = f"cronjob_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(make_settings(url))
        upgrade(engine)
        engine.dispose()
        try:
            yield url
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(make_settings(f"sqlite:///{path}"))
        upgrade(engine)
        engine.dispose()
        yield str(path)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all (a new SQLite file, or a new PostgreSQL
    database dropped afterwards): for start-up and migration tests."""
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


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    """A fresh database for this test: a copied SQLite file, or an emptied PostgreSQL one."""
    if BACKEND == "postgresql":
        return database_template
    path = tmp_path / "cron_jobs.db"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    if BACKEND == "postgresql":
        _empty_postgres(engine)
    with make_sessionmaker(engine)() as session:
        begin_write(session)
        seed_categories(session)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking rows, outside any app."""
    with make_sessionmaker(engine)() as session:
        yield session


@pytest.fixture(autouse=True)
def _real_clock_and_ids() -> Iterator[None]:
    yield
    clock.freeze(None)
    ids.seed(None)


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A real HTTP server on 127.0.0.1 for this test: GitHub's, a webhook's or Slack's
    stand-in (see tests/local_http.py)."""
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture
def v2_app(settings: Settings, engine: Engine) -> FastAPI:
    """The v2 app built from its factory on the test database."""
    from fastapi_app import create_app

    return create_app(settings, prepare=False)


@pytest.fixture
def v2_client(v2_app: FastAPI) -> Iterator[TestClient]:
    """Runs the v2 app's lifespan (the async engine) for the test."""
    with TestClient(v2_app) as test_client:
        yield test_client


@pytest.fixture
def legacy_app(settings: Settings, engine: Engine) -> Iterator[Any]:
    """The legacy Flask app on the same database, so a test can ask both stacks the same
    thing. Flask is imported here, not at module level, so v2 tests collect without it."""
    from legacy_flask import create_app as create_legacy_app
    from legacy_flask.extensions import db as legacy_db

    app = create_legacy_app(settings, prepare=False)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        legacy_db.engine.dispose()


@pytest.fixture
def legacy_client(legacy_app: Any) -> Any:
    return legacy_app.test_client()


@pytest.fixture
def request_log() -> Iterator[io.StringIO]:
    """The request log (`gateway.requests`) with its own JSON-lines handler, writing to a
    buffer: what `configure_request_log` sets up, for the gateway's and the end state's tests."""
    saved = REQUEST_LOG.handlers[:], REQUEST_LOG.propagate, REQUEST_LOG.level
    handler = JsonLines()
    handler.setStream(io.StringIO())
    REQUEST_LOG.handlers, REQUEST_LOG.propagate = [handler], False
    REQUEST_LOG.setLevel(logging.INFO)
    yield handler.stream
    REQUEST_LOG.handlers, REQUEST_LOG.propagate = saved[0], saved[1]
    REQUEST_LOG.setLevel(saved[2])
