"""/api/v2/openapi.json documents the Slack, category, PIC team, cron-tool, test-run and
execute routes (§3.2–§3.4, §3.5.7) with the error statuses each can answer; the bodies
the routes send fit those schemas; and execute-now starts its background run only
after the claimed execution is committed, on one sync engine per app."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

import fastapi_app.routers.runs as runs_router
from fastapi_app.schemas.catalog import (
    CategoryCreated,
    CategoryDisabled,
    CategoryList,
    CategoryUpdated,
    PicTeamCreated,
    PicTeamDisabled,
    PicTeamList,
    PicTeamUpdated,
)
from fastapi_app.schemas.cron import CronPreview, CronValidation
from fastapi_app.schemas.runs import ExecuteTriggered, TestRunResult
from fastapi_app.schemas.settings import SlackSettingsEnvelope, SlackSettingsUpdated
from shared_models.clock import utcnow
from shared_models.models import Job, JobExecution
from shared_models.settings import Settings
from tests.helpers import bearer, make_job, make_user
from tests.local_http import LocalHTTPServer

TOKEN = {"401", "422"}
ROLE = TOKEN | {"403"}
BODY = {"400", "413"}

# (method, path, success status, success schema, error statuses, request body?)
ROUTES: list[tuple[str, str, str, type[BaseModel], set[str], bool]] = [
    ("get", "/api/v2/settings/slack", "200", SlackSettingsEnvelope, ROLE, False),
    ("put", "/api/v2/settings/slack", "200", SlackSettingsUpdated, ROLE | BODY, True),
    ("get", "/api/v2/job-categories", "200", CategoryList, TOKEN | {"400"}, False),
    ("post", "/api/v2/job-categories", "201", CategoryCreated, ROLE | BODY | {"409"}, True),
    ("put", "/api/v2/job-categories/{category_id}", "200", CategoryUpdated, ROLE | BODY | {"404", "409"}, True),
    ("delete", "/api/v2/job-categories/{category_id}", "200", CategoryDisabled, ROLE | {"404"}, False),
    ("get", "/api/v2/pic-teams", "200", PicTeamList, TOKEN | {"400"}, False),
    ("post", "/api/v2/pic-teams", "201", PicTeamCreated, ROLE | BODY | {"409"}, True),
    ("put", "/api/v2/pic-teams/{team_id}", "200", PicTeamUpdated, ROLE | BODY | {"404", "409"}, True),
    ("delete", "/api/v2/pic-teams/{team_id}", "200", PicTeamDisabled, ROLE | {"404"}, False),
    ("post", "/api/v2/jobs/validate-cron", "200", CronValidation, TOKEN | BODY, True),
    ("post", "/api/v2/jobs/cron-preview", "200", CronPreview, TOKEN | BODY, True),
    ("post", "/api/v2/jobs/test-run", "200", TestRunResult, ROLE | BODY, True),
    ("post", "/api/v2/jobs/{job_id}/execute", "200", ExecuteTriggered, ROLE | BODY | {"404", "409"}, True),
]


@pytest.fixture
def spec(v2_client: TestClient) -> dict[str, Any]:
    response = v2_client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r[0].upper()} {r[1]}" for r in ROUTES])
def test_route_is_documented(spec: dict[str, Any], route: tuple) -> None:
    method, path, success, model, errors, has_body = route
    operation = spec["paths"][path][method]
    assert operation["summary"]
    responses = operation["responses"]
    # Exactly the contract's statuses: no stray 200 beside a 201, no FastAPI 422 "detail".
    assert set(responses) == {success, "500"} | errors
    schema = responses[success]["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}
    for status in errors:
        error_schema = responses[status]["content"]["application/json"]["schema"]["$ref"]
        expected = "TokenErrorBody" if status in TOKEN else "ErrorBody"
        assert error_schema == f"#/components/schemas/{expected}", status
        assert responses[status]["description"], status
    assert operation["security"] == [{"JWT": []}]
    if has_body:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["type"] == "object" and body["properties"]
        assert "$ref" not in str(body)
    else:
        assert "requestBody" not in operation
    for parameter in operation.get("parameters", []):
        # Plain strings FastAPI cannot refuse: the shared services validate.
        assert parameter["schema"]["type"] == "string"
        assert parameter["in"] == "path" or parameter["name"] == "include_inactive"


def test_execute_body_is_optional_and_lists_the_overrides(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/api/v2/jobs/{job_id}/execute"]["post"]["requestBody"]
    assert body["required"] is False
    fields = set(body["content"]["application/json"]["schema"]["properties"])
    assert fields == {"target_url", "dispatch_url", "github_owner", "github_repo", "github_workflow_name",
                      "github_token", "metadata"}


def test_lists_document_include_inactive(spec: dict[str, Any]) -> None:
    for path in ("/api/v2/job-categories", "/api/v2/pic-teams"):
        names = [(p["name"], p["in"]) for p in spec["paths"][path]["get"]["parameters"]]
        assert names == [("include_inactive", "query")]


# --- the bodies the routes really send fit the documented schemas --------------------------


def _fits(model: type[BaseModel], body: dict[str, Any], *, exact: bool = True) -> None:
    model.model_validate(body)
    if exact:
        assert set(body) == set(model.model_fields)
    else:
        assert set(body) <= set(model.model_fields)


def test_success_bodies_match_the_documented_schemas(
    db: Session, settings: Settings, v2_client: TestClient, http_server: LocalHTTPServer
) -> None:
    auth = bearer(settings, make_user(db, "admin"))
    base = "/api/v2"

    def ok(method: str, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        response = v2_client.request(method, f"{base}{path}", headers=auth, **kwargs)
        assert response.status_code == status, response.text
        return response.json()

    _fits(SlackSettingsEnvelope, ok("get", "/settings/slack"))
    _fits(SlackSettingsUpdated, ok("put", "/settings/slack", json={"channel": "#ops"}))

    _fits(CategoryList, ok("get", "/job-categories"))
    created = ok("post", "/job-categories", 201, json={"name": "Smoke Tests"})
    _fits(CategoryCreated, created)
    category_id = created["category"]["id"]
    _fits(CategoryUpdated, ok("put", f"/job-categories/{category_id}", json={"name": "Smoke"}))
    _fits(CategoryDisabled, ok("delete", f"/job-categories/{category_id}"))

    team = ok("post", "/pic-teams", 201, json={"name": "QA", "slack_handle": "@qa"})
    _fits(PicTeamCreated, team)
    _fits(PicTeamList, ok("get", "/pic-teams", params={"include_inactive": "1"}))
    _fits(PicTeamUpdated, ok("put", f"/pic-teams/{team['pic_team']['id']}", json={"slack_handle": "@qa2"}))
    _fits(PicTeamDisabled, ok("delete", f"/pic-teams/{team['pic_team']['id']}"))

    _fits(CronValidation, ok("post", "/jobs/validate-cron", json={"expression": "0 9 * * 1"}), exact=False)
    _fits(CronValidation, ok("post", "/jobs/validate-cron", json={"expression": "61 * * * *"}), exact=False)
    _fits(CronPreview, ok("post", "/jobs/cron-preview", json={"expression": "0 9 * * 1", "count": 2}))

    http_server.on("/hook", body="ok")
    run = ok("post", "/jobs/test-run", json={"target_url": http_server.url("/hook")})
    _fits(TestRunResult, run, exact=False)
    assert run["ok"] is True


# --- execute-now: the run starts after the commit, on one sync engine per app ---------------


def _wait_done(engine: Engine, execution_id: str, seconds: float = 5.0) -> JobExecution:
    deadline = time.monotonic() + seconds
    while True:
        with Session(engine) as fresh:
            row = fresh.get(JobExecution, execution_id)
            if row is not None and row.status != "running":
                return row
        assert time.monotonic() < deadline, "background run did not finish"
        time.sleep(0.05)


@pytest.fixture
def observed_starts(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Iterator[list[dict[str, Any]]]:
    """Record, at the moment each background run is started, what another connection sees.

    The real start still happens: the run itself is not replaced.
    """
    seen: list[dict[str, Any]] = []
    real_start = runs_router.start_background_run

    def observing_start(session_factory, settings, execution_id, overrides):  # type: ignore[no-untyped-def]
        with Session(engine) as fresh:  # a separate connection sees committed rows only
            row = fresh.get(JobExecution, execution_id)
            seen.append({"committed_status": row.status if row else None, "factory": session_factory})
        thread = real_start(session_factory, settings, execution_id, overrides)
        seen[-1]["thread"] = thread
        return thread

    monkeypatch.setattr(runs_router, "start_background_run", observing_start)
    yield seen


def test_run_starts_only_after_the_execution_is_committed(
    db: Session, settings: Settings, engine: Engine, v2_app: FastAPI, http_server: LocalHTTPServer,
    observed_starts: list[dict[str, Any]],
) -> None:
    owner = make_user(db)
    http_server.on("/hook", body="pong")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    with TestClient(v2_app) as client:
        response = client.post(f"/api/v2/jobs/{job.id}/execute", headers=bearer(settings, owner))
        assert response.status_code == 200
        execution_id = response.json()["execution"]["id"]
        _fits(ExecuteTriggered, response.json())
        assert [start["committed_status"] for start in observed_starts] == ["running"]
        thread = observed_starts[0]["thread"]
        assert isinstance(thread, threading.Thread) and thread.daemon
        row = _wait_done(engine, execution_id)
    assert (row.status, row.output) == ("success", "pong")


def test_one_sync_engine_per_app_disposed_at_shutdown(
    db: Session, settings: Settings, engine: Engine, v2_app: FastAPI, http_server: LocalHTTPServer,
    observed_starts: list[dict[str, Any]],
) -> None:
    owner = make_user(db)
    http_server.on("/hook", body="pong")
    job = make_job(db, created_by=owner, target_url=http_server.url("/hook"))
    with TestClient(v2_app) as client:
        for _ in range(2):
            response = client.post(f"/api/v2/jobs/{job.id}/execute", headers=bearer(settings, owner))
            _wait_done(engine, response.json()["execution"]["id"])
        sync_engine = v2_app.state.sync_engine
        pool_in_use = sync_engine.pool
        assert observed_starts[0]["factory"] is observed_starts[1]["factory"]
        assert observed_starts[0]["factory"].kw["bind"] is sync_engine
    assert sync_engine.pool is not pool_in_use  # Engine.dispose() replaced the pool


def test_expired_job_400_commits_the_auto_pause_and_starts_nothing(
    db: Session, settings: Settings, engine: Engine, v2_client: TestClient, observed_starts: list[dict[str, Any]]
) -> None:
    owner = make_user(db)
    yesterday = utcnow().astimezone(settings.timezone).date() - timedelta(days=1)
    job = make_job(db, created_by=owner, end_date=yesterday)
    response = v2_client.post(f"/api/v2/jobs/{job.id}/execute", headers=bearer(settings, owner))
    assert response.status_code == 400
    assert response.json()["error"] == "Job expired"
    with Session(engine) as fresh:
        assert fresh.get(Job, job.id).is_active is False
    assert observed_starts == []
