"""Gateway fixtures: the real ASGI app (lifespan included) on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover import flags
from cutover.config import CutoverConfig
from gateway import Gateway, create_gateway
from shared_models.db import begin_write
from shared_models.models.ops import ParityResult
from shared_models.settings import Settings

FAST = CutoverConfig(refresh_interval=0.1)


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return create_gateway(settings, FAST)


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway) as client:
        yield client


def set_flag(db: Session, route_key: str, state: str, percent: int = 0, *, force: bool = True) -> None:
    """Arrange a flag as an operator would (forced past the gate unless told otherwise)."""
    begin_write(db)
    flags.set_flag(session=db, route_key=route_key, state=state, canary_percent=percent,
                   actor="test", force=force)
    db.commit()


def green(db: Session, route_key: str, *, mismatched: int = 0) -> None:
    db.add(ParityResult(run_id="run-1", route_key=route_key, backend="sqlite", cases=10,
                        matched=10 - mismatched, mismatched=mismatched))
    db.commit()


def refreshed(gateway: Gateway) -> None:
    """Skip the wait for the next refresh tick (tests that are not about timing)."""
    gateway.flags.refresh()
