"""The legacy app built from its factory on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from legacy_flask import create_app
from shared_models.settings import Settings


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Iterator[Flask]:
    app = create_app(settings, prepare=False)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        from legacy_flask.extensions import db

        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
