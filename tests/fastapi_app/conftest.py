"""The v2 app built from its factory on the test database, and the legacy app beside it.

`v2_client` runs the app's lifespan (the async engine) for the test. `legacy_app` /
`legacy_client` are the legacy stack on the same database, so a test can ask both
stacks the same thing and compare.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from starlette.testclient import TestClient

from fastapi_app import create_app
from legacy_flask import create_app as create_legacy_app
from shared_models.settings import Settings


@pytest.fixture
def v2_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, prepare=False)


@pytest.fixture
def v2_client(v2_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(v2_app) as test_client:
        yield test_client


@pytest.fixture
def legacy_app(settings: Settings, engine: Engine) -> Iterator[Flask]:
    app = create_legacy_app(settings, prepare=False)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        from legacy_flask.extensions import db

        db.engine.dispose()


@pytest.fixture
def legacy_client(legacy_app: Flask) -> FlaskClient:
    return legacy_app.test_client()
