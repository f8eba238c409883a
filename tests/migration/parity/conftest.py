"""A parity harness on the test database (SQLite copy or the PostgreSQL test database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from parity_tests.runner import Harness, harness, harness_settings
from shared_models.settings import Settings


@pytest.fixture
def parity_settings(database_url: str) -> Settings:
    return harness_settings(database_url)


@pytest.fixture
def make_harness(parity_settings: Settings) -> Iterator[Callable[..., Harness]]:
    """Build a harness, optionally with a replaced v2 ASGI app (`v2_app(settings) -> app`)."""
    stack = []

    def build(v2_app: Callable[[Settings], Any] | None = None) -> Harness:
        context = harness(parity_settings, v2_app(parity_settings) if v2_app else None)
        stack.append(context)
        return context.__enter__()

    yield build
    for context in reversed(stack):
        context.__exit__(None, None, None)
