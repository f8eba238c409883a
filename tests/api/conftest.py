"""Route tests run on both stacks: `client` is the legacy Flask test client or the same
calls answered by the v2 twin (tests/stacks.py); `client_for(settings)` builds one on other
settings. `app` stays the legacy Flask app for the few tests about Flask itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from legacy_flask import create_app
from shared_models.settings import Settings
from tests.stacks import selected_stacks, stack_client


@pytest.fixture(params=selected_stacks())
def stack(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def client(stack: str, settings: Settings, engine: Engine) -> Iterator[Any]:
    with stack_client(stack, settings) as test_client:
        yield test_client


@pytest.fixture
def client_for(stack: str) -> Callable[[Settings], AbstractContextManager[Any]]:
    """`with client_for(settings) as client:` — the current stack on other settings."""
    return lambda settings: stack_client(stack, settings)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Iterator[Flask]:
    app = create_app(settings, prepare=False)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        from legacy_flask.extensions import db

        db.engine.dispose()
