"""Console fixtures: the real gateway (lifespan included) on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from cutover.config import CutoverConfig
from gateway import Gateway, create_gateway
from shared_models.settings import Settings


@pytest.fixture
def ops_gateway(settings: Settings) -> Gateway:
    """The rollout judge is off: these tests plant the verdicts they read (the browser
    tests run a gateway with it on)."""
    return create_gateway(settings, CutoverConfig(refresh_interval=0.1, judge_enabled=False))


@pytest.fixture
def ops(ops_gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(ops_gateway) as client:
        yield client
