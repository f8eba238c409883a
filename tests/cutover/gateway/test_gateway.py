"""The gateway's prefix routing and lifespan, through the real ASGI app."""

from __future__ import annotations

import time
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from gateway import create_gateway
from shared_models import scheduler_status
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import bearer, make_user


def test_prefixes_pick_the_stack(settings: Settings, engine: Engine) -> None:
    with TestClient(create_gateway(settings)) as client:
        legacy = client.get("/api/health")
        v2 = client.get("/api/v2/health")
        assert legacy.status_code == v2.status_code == 200
        assert client.post("/api/health").status_code == client.post("/api/v2/health").status_code == 405
        assert client.get("/api/v2x/health").json() == client.get("/api/nope").json()
        assert client.get("/api/v2x/health").status_code == 404
        outside = client.get("/apix")
        assert outside.status_code == 404
        assert outside.json() == {"error": "Not found", "message": "The requested URL was not found."}


def test_chunked_body_reaches_flask(settings: Settings, engine: Engine, db: Session) -> None:
    user = make_user(db, "viewer")

    def chunks() -> Iterator[bytes]:
        yield b'{"expression": '
        yield b'"0 9 * * 0"}'

    with TestClient(create_gateway(settings)) as client:
        response = client.post(
            "/api/jobs/validate-cron",
            content=chunks(),
            headers={**bearer(settings, user), "Content-Type": "application/json"},
        )
    assert response.status_code == 200
    assert response.json()["valid"] is True
    assert response.json()["cron_expression"] == "0 9 * * 0"


def test_lifespan_starts_and_stops_the_embedded_scheduler(database_url: str, engine: Engine) -> None:
    settings = make_settings(database_url, SCHEDULER_ENABLED=True)
    with TestClient(create_gateway(settings)) as client:
        body: dict[str, object] = {}
        for _ in range(50):
            body = client.get("/api/health").json()
            if body["scheduler_running"]:
                break
            time.sleep(0.1)
        assert body["scheduler_running"] is True
        assert client.get("/api/v2/health").json()["scheduler_running"] is True
    assert scheduler_status.is_running() is False
