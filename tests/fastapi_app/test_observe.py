"""`fastapi_app.main` keeps what operators observe once the gateway is gone: the request
id, one JSON log line per request, the duration histogram under the gateway's route keys,
and `GET /metrics`. Runs on the end state alone (no gateway, cutover or Flask import)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from fastapi_app.main import create_main_app
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import bearer, make_job, make_user
from tests.metrics_text import value

HISTOGRAM = "http_server_request_duration_seconds_count"


@pytest.fixture
def main_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_main_app(settings, prepare=False)


@pytest.fixture
def client(main_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(main_app) as client:
        yield client


def _lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_plain_request_id_is_echoed(client: TestClient) -> None:
    answer = client.get("/api/health", headers={"X-Request-ID": "edge-42.a:b@c"})
    assert answer.headers["x-request-id"] == "edge-42.a:b@c"


@pytest.mark.parametrize("given", [None, "has space", "x" * 129, 'quo"te'])
def test_a_missing_or_unusable_request_id_is_replaced_by_a_fresh_one(client: TestClient, given: str | None) -> None:
    headers = {"X-Request-ID": given} if given is not None else {}
    first = client.get("/api/v2/health", headers=headers).headers["x-request-id"]
    second = client.get("/api/v2/health", headers=headers).headers["x-request-id"]
    assert first != second
    assert len(first) == 32 and int(first, 16) >= 0


def test_a_500_body_names_the_echoed_request_id(main_app: FastAPI, client: TestClient) -> None:
    async def boom() -> None:
        raise RuntimeError("kaput")

    main_app.add_api_route("/api/v2/boom", boom)
    answer = client.get("/api/boom", headers={"X-Request-ID": "fault-1"})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == answer.json()["request_id"] == "fault-1"


def test_one_log_line_per_request_with_the_keys_and_no_secrets(
        client: TestClient, db: Session, settings: Settings, request_log: io.StringIO) -> None:
    owner = make_user(db)
    job = make_job(db, owner, name="nightly")
    headers = {**bearer(settings, owner), "X-Request-ID": "log-1"}
    assert client.get(f"/api/jobs/{job.id}?secret=shh", headers=headers).status_code == 200
    [line] = _lines(request_log)
    assert set(line) == {"ts", "request_id", "method", "route", "stack", "state", "status", "duration_ms", "user_id"}
    assert (line["request_id"], line["method"], line["route"], line["stack"], line["state"], line["status"],
            line["user_id"]) == ("log-1", "GET", "GET /api/jobs/<job_id>", "fastapi", "fastapi", 200, str(owner.id))
    raw = request_log.getvalue()
    token = headers["Authorization"].split()[1]
    assert token not in raw and "shh" not in raw and str(job.id) not in raw and "nightly" not in raw


def test_unknown_paths_and_wrong_methods_log_unmatched(client: TestClient, request_log: io.StringIO) -> None:
    client.get("/api/v2/no-such-thing")
    client.delete("/api/health")
    assert [(line["route"], line["status"], line["user_id"]) for line in _lines(request_log)] == [
        ("unmatched", 404, None), ("unmatched", 405, None)]


def test_the_histogram_counts_known_traffic_under_the_gateways_route_keys(
        client: TestClient, db: Session, settings: Settings) -> None:
    owner = make_user(db)
    job = make_job(db, owner)
    headers = bearer(settings, owner)
    key = {"stack": "fastapi", "state": "fastapi"}
    one_job = {**key, "route": "GET /api/jobs/<job_id>", "status_class": "2xx"}
    missing = {**key, "route": "GET /api/jobs/<job_id>", "status_class": "4xx"}
    unmatched = {**key, "route": "unmatched", "status_class": "4xx"}
    before = client.get("/metrics").text
    assert client.get(f"/api/jobs/{job.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v2/jobs/{job.id}", headers=headers).status_code == 200
    assert client.head(f"/api/v2/jobs/{job.id}", headers=headers).status_code == 200
    assert client.get("/api/v2/jobs/no-such-job", headers=headers).status_code == 404
    assert client.get("/api/v2/nope").status_code == 404
    after = client.get("/metrics").text
    assert value(after, HISTOGRAM, **one_job) - value(before, HISTOGRAM, **one_job) == 3
    assert value(after, HISTOGRAM, **missing) - value(before, HISTOGRAM, **missing) == 1
    assert value(after, HISTOGRAM, **unmatched) - value(before, HISTOGRAM, **unmatched) == 1


def test_metrics_answer_get_and_head_and_are_not_observed(client: TestClient, request_log: io.StringIO) -> None:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "http_server_request_duration_seconds" in answer.text
    head = client.head("/metrics")
    assert head.status_code == 200 and head.content == b""
    assert "x-request-id" not in answer.headers and _lines(request_log) == []


def test_both_can_be_switched_off(settings: Settings, engine: Engine, request_log: io.StringIO) -> None:
    quiet = make_settings(settings.DATABASE_URL, GATEWAY_METRICS=False, GATEWAY_REQUEST_LOG=False)
    with TestClient(create_main_app(quiet, prepare=False)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/api/health").headers["x-request-id"]  # the id stays: the 500s name it
    assert _lines(request_log) == []
