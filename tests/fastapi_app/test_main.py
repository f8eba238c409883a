"""`fastapi_app.main`: the FastAPI app alone (the end state) serves `/api` and `/api/v2`
alike, owns the scheduler candidate in its lifespan, and never loads Flask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from fastapi_app.legacy_prefix import is_legacy_path, v2_scope
from fastapi_app.main import create_main_app
from shared_models.errors import NOT_FOUND_BODY
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import bearer, make_job, make_notification, make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def main_client(settings: Settings, engine: Engine) -> TestClient:
    with TestClient(create_main_app(settings, prepare=False)) as client:
        yield client


def test_the_app_is_a_fastapi_application(settings: Settings, engine: Engine) -> None:
    assert type(create_main_app(settings, prepare=False)) is FastAPI


@pytest.mark.parametrize("path", ["/api/jobs", "/api/executions/statistics", "/api/auth/me"])
def test_legacy_and_v2_paths_answer_the_same(path: str, main_client: TestClient, db: Session,
                                             settings: Settings) -> None:
    owner = make_user(db)
    make_job(db, owner, name="nightly")
    headers = bearer(settings, owner)
    legacy = main_client.get(path, headers=headers)
    v2 = main_client.get("/api/v2" + path[len("/api"):], headers=headers)
    assert legacy.status_code == v2.status_code == 200
    assert legacy.content == v2.content
    assert legacy.headers["content-type"] == v2.headers["content-type"] == "application/json"


def test_writes_on_the_legacy_path_reach_the_v2_path(main_client: TestClient, db: Session,
                                                      settings: Settings) -> None:
    owner = make_user(db)
    headers = bearer(settings, owner)
    make_notification(db, owner)
    assert main_client.get("/api/v2/notifications/unread-count", headers=headers).json()["unread_count"] == 1
    marked = main_client.put("/api/notifications/read-all", headers=headers)
    assert marked.status_code == 200, marked.text
    assert main_client.get("/api/v2/notifications/unread-count", headers=headers).json()["unread_count"] == 0


@pytest.mark.parametrize("path", ["/apix", "/api/nope", "/api/v2x/jobs", "/"])
def test_paths_outside_the_routes_are_json_404(path: str, main_client: TestClient) -> None:
    response = main_client.get(path)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY


def test_a_wrong_method_on_a_legacy_path_is_405_with_the_v2_allow(main_client: TestClient) -> None:
    legacy = main_client.delete("/api/health")
    v2 = main_client.delete("/api/v2/health")
    assert legacy.status_code == v2.status_code == 405
    assert legacy.headers["allow"] == v2.headers["allow"]
    assert legacy.json() == v2.json()


@pytest.mark.parametrize(("path", "legacy"), [
    ("/api", True), ("/api/jobs", True), ("/api/v2", False), ("/api/v2/jobs", False),
    ("/apix", False), ("/api/v2x", True), ("/", False),
])
def test_is_legacy_path(path: str, legacy: bool) -> None:
    assert is_legacy_path(path) is legacy


def test_v2_scope_keeps_the_raw_path_percent_encoded() -> None:
    scope = v2_scope({"type": "http", "path": "/api/jobs/a b", "raw_path": b"/api/jobs/a%20b"})
    assert (scope["path"], scope["raw_path"]) == ("/api/v2/jobs/a b", b"/api/v2/jobs/a%20b")
    assert "raw_path" not in v2_scope({"type": "http", "path": "/api/jobs", "raw_path": b"/%61pi/jobs"})


def test_the_lifespan_owns_the_scheduler_candidate(database_url: str, engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(database_url, SCHEDULER_ENABLED=True, SCHEDULER_STANDBY_POLL_SECONDS=0.2,
                             SCHEDULER_LOCK_PATH=str(tmp_path / "scheduler.lock"))
    app = create_main_app(settings, prepare=False)
    with TestClient(app):
        candidate = app.state.scheduler
        assert candidate is not None
        assert candidate.wait_until_leader(30)
        assert app.state.engine is not None
    assert not candidate.is_leader
    assert not candidate._thread.is_alive()


def test_the_scheduler_stays_off_when_disabled(main_client: TestClient) -> None:
    assert main_client.app.state.scheduler is None  # type: ignore[attr-defined]


def test_importing_and_building_the_app_loads_no_flask(settings: Settings, engine: Engine) -> None:
    script = (
        "import json, sys\n"
        "from fastapi_app.main import create_main_app\n"
        "from shared_models.settings import Settings\n"
        "create_main_app(Settings(_env_file=None, **json.loads(sys.argv[1])), prepare=False)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'werkzeug', 'a2wsgi', 'legacy_flask', 'cutover', 'gateway', 'parity_tests'))))\n"
    )
    values = {"DATABASE_URL": settings.DATABASE_URL, "SECRET_KEY": settings.SECRET_KEY,
              "JWT_SECRET_KEY": settings.JWT_SECRET_KEY}
    result = subprocess.run([sys.executable, "-c", script, json.dumps(values)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
