"""Route tests run on every selected stack: `client` is the legacy Flask test client or the
same calls answered by a FastAPI app (tests/stacks.py); `client_for(settings)` builds one on
other settings. Nothing here imports Flask: these tests outlive it (scripts/retire_flask.sh)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import Engine

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

