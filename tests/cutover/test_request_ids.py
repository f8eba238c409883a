"""X-Request-ID: accepted or generated, echoed, in the JSON request log and in both stacks' logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover.config import CutoverConfig
from gateway import Gateway, create_gateway
from shared_models import request_ids
from shared_models.settings import Settings
from tests.helpers import bearer, make_user


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(record.getMessage()) for record in self.records]


@pytest.fixture
def request_log() -> Iterator[Lines]:
    logger = logging.getLogger("gateway.requests")
    handler = Lines()
    saved = logger.handlers[:], logger.propagate, logger.level
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    yield handler
    logger.handlers, logger.propagate = saved[0], saved[1]
    logger.setLevel(saved[2])


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1))
    assert gateway.legacy is not None
    flask_app: Flask = gateway.legacy.app.app.wsgi_app  # type: ignore[attr-defined]

    def broken() -> None:
        raise RuntimeError("legacy boom")

    flask_app.add_url_rule("/api/_ids/broken", "ids_broken", broken)

    @gateway.v2_app.get("/api/v2/_ids/broken")  # type: ignore[attr-defined]
    async def v2_broken() -> None:
        raise RuntimeError("v2 boom")

    return gateway


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway, raise_server_exceptions=False) as client:
        yield client


def test_a_client_request_id_is_echoed_and_logged(gateway: Gateway, client: TestClient, request_log: Lines,
                                                  db: Session, settings: Settings) -> None:
    user = make_user(db, "admin")
    answer = client.get("/api/auth/me", headers={"X-Request-ID": "edge-42.a", **bearer(settings, user)})
    assert answer.status_code == 200 and answer.headers["x-request-id"] == "edge-42.a"
    gateway.observer.drain()  # log lines are written in batches (cutover.observe)
    [line] = request_log.json()
    assert line["request_id"] == "edge-42.a"
    assert (line["method"], line["route"], line["stack"], line["state"], line["status"]) == (
        "GET", "GET /api/auth/me", "legacy", "legacy", 200)
    assert line["user_id"] == str(user.id) and line["duration_ms"] > 0
    text = request_log.records[0].getMessage()
    token = bearer(settings, user)["Authorization"].split()[1]
    assert token not in text and "Bearer" not in text  # never a token


def test_a_missing_or_unusable_request_id_is_replaced_by_a_fresh_one(gateway: Gateway, client: TestClient,
                                                                     request_log: Lines) -> None:
    first = client.get("/api/health").headers["x-request-id"]
    hostile = client.get("/api/health", headers={"X-Request-ID": 'x" injected\\ ' + "a" * 200})
    second = hostile.headers["x-request-id"]
    assert len({first, second}) == 2 and all(len(rid) == 32 and rid.isalnum() for rid in (first, second))
    gateway.observer.drain()
    assert [line["request_id"] for line in request_log.json()] == [first, second]


def test_both_stacks_log_their_faults_under_the_request_id(gateway: Gateway, client: TestClient,
                                                           request_log: Lines,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    legacy = client.get("/api/_ids/broken", headers={"X-Request-ID": "rid-legacy-1"})
    v2 = client.get("/api/v2/_ids/broken", headers={"X-Request-ID": "rid-v2-1"})
    assert (legacy.status_code, v2.status_code) == (500, 500)
    assert legacy.json()["request_id"] == "rid-legacy-1" and v2.json()["request_id"] == "rid-v2-1"
    faults = {record.name: record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR}
    assert "rid-legacy-1" in faults["legacy_flask"] and "rid-v2-1" in faults["fastapi_app"]
    gateway.observer.drain()
    assert [(line["request_id"], line["status"]) for line in request_log.json()] == [
        ("rid-legacy-1", 500), ("rid-v2-1", 500)]


def test_accept_keeps_plain_ids_only() -> None:
    assert request_ids.accept(b"abc-123_x.y:z@w") == "abc-123_x.y:z@w"
    for bad in (b"", b"a b", b'a"b', b"a\nb", b"x" * 129, "é".encode(), None):
        assert request_ids.accept(bad) is None
