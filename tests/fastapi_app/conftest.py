"""The v2 app built from its factory on the test database (and the legacy app beside it).

`v2_client` runs the app's lifespan (the async engine) for the test. The legacy
fixtures `app` / `client` are re-exported so a test can ask both stacks the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.testclient import TestClient

from fastapi_app import create_app
from shared_models.settings import Settings
from tests.legacy_flask.conftest import app, client  # noqa: F401  (fixtures, re-exported)


@pytest.fixture
def v2_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, prepare=False)


@pytest.fixture
def v2_client(v2_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(v2_app) as test_client:
        yield test_client
