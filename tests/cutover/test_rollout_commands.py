"""Rollout operator actions through the CLI and the admin API (one DB logic, one trail)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover import rollout
from cutover.__main__ import run
from cutover.config import CutoverConfig
from gateway import create_gateway
from shared_models.settings import Settings
from tests.cutover.support import flag_of, green
from tests.helpers import bearer, make_user

ROUTE = "GET /api/jobs"
URL = "/api/v2/admin/cutover/rollouts"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_gateway(settings, CutoverConfig(refresh_interval=0.1, judge_enabled=False))) as client:
        yield client


def cli(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(["rollout", *argv], settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_starts_watches_pauses_resumes_and_aborts(
        db: Session, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(settings, capsys, "start", ROUTE)
    assert code == 1 and "parity" in err.lower()  # the flag gate: no green parity result
    green(db, ROUTE)
    code, out, _ = cli(settings, capsys, "start", ROUTE, "--steps", "5,50,100", "--hold", "90s",
                       "--min-requests", "100", "--reason", "go", "--actor", "cli:ann")
    assert code == 0 and out.startswith(f"{ROUTE}  running  step 1/3 at 5%") and "hold 90s, min 100" in out
    assert flag_of(db, ROUTE) == ("canary", 5)
    assert cli(settings, capsys, "start", ROUTE)[0] == 1  # one active rollout per route
    assert cli(settings, capsys, "start", "GET /api/nope")[2].startswith("error: Unknown route")
    assert cli(settings, capsys, "start", ROUTE, "--steps", "50,5")[2].startswith('error: "steps"')
    assert cli(settings, capsys, "pause", ROUTE, "--actor", "cli:ann")[0] == 0
    code, out, _ = cli(settings, capsys, "status", ROUTE, "--json")
    [shown] = json.loads(out)
    assert (shown["state"], shown["percent"], shown["hold_seconds"]) == ("paused", 5, 90.0)
    assert [d["action"] for d in shown["decisions"]] == ["pause", "start"]
    assert cli(settings, capsys, "resume", ROUTE)[0] == 0
    code, out, _ = cli(settings, capsys, "status")
    assert code == 0 and "running  step 1/3 at 5%" in out and "resume" in out and "cli:ann" in out
    code, out, _ = cli(settings, capsys, "abort", ROUTE, "--reason", "enough")
    assert code == 0 and "aborted" in out and flag_of(db, ROUTE) == ("legacy", 0)
    assert cli(settings, capsys, "abort", ROUTE)[0] == 1  # nothing active any more


def test_the_admin_api_runs_the_same_actions(client: TestClient, db: Session, settings: Settings) -> None:
    headers = bearer(settings, make_user(db, "admin", username="ops_admin"))
    body = {"route_key": ROUTE, "steps": [1, 25, 100], "hold": "2m", "min_requests": 300, "reason": "go"}
    assert client.post(URL, json=body, headers=headers).status_code == 409  # parity not green
    green(db, ROUTE)
    started = client.post(URL, json=body, headers=headers)
    assert started.status_code == 201
    assert started.json() == {**started.json(), "state": "running", "steps": [1, 25, 100], "percent": 1,
                              "hold_seconds": 120.0, "min_requests": 300, "started_by": "api:ops_admin"}
    assert client.post(URL, json=body, headers=headers).status_code == 409
    paused = client.post(f"{URL}/pause", json={"route_key": ROUTE, "reason": "look"}, headers=headers)
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert client.post(f"{URL}/pause", json={"route_key": ROUTE}, headers=headers).status_code == 409
    assert client.post(f"{URL}/resume", json={"route_key": ROUTE}, headers=headers).json()["state"] == "running"
    [listed] = client.get(URL, params={"route_key": ROUTE}, headers=headers).json()["rollouts"]
    assert listed["id"] == started.json()["id"]
    aborted = client.post(f"{URL}/abort", json={"route_key": ROUTE}, headers=headers)
    assert aborted.json()["state"] == "aborted" and flag_of(db, ROUTE) == ("legacy", 0)
    trail = client.get(f"{URL}/decisions", params={"route_key": ROUTE, "limit": 10}, headers=headers).json()
    assert [(d["actor"], d["action"]) for d in trail["decisions"]] == [
        ("api:ops_admin", "abort"), ("api:ops_admin", "resume"), ("api:ops_admin", "pause"),
        ("api:ops_admin", "start")]


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400), ({"route_key": 7}, 400), ({"route_key": ROUTE, "steps": "1,x,100"}, 400),
    ({"route_key": ROUTE, "steps": [1.5, 100]}, 400), ({"route_key": ROUTE, "steps": [{}]}, 400),
    ({"route_key": ROUTE, "hold": "soon"}, 400), ({"route_key": ROUTE, "hold": True}, 400),
    ({"route_key": ROUTE, "min_requests": 0}, 400), ({"route_key": ROUTE, "min_requests": 2.5}, 400),
    ({"route_key": ROUTE, "min_requests": None}, 400), ({"route_key": "GET /api/nope"}, 404),
])
def test_bad_start_bodies_get_the_documented_error_shape(client: TestClient, db: Session, settings: Settings,
                                                         body: dict, status: int) -> None:
    green(db, ROUTE)
    answer = client.post(URL, json=body, headers=bearer(settings, make_user(db, "admin")))
    assert answer.status_code == status and set(answer.json()) == {"error", "message"}
    db.rollback()
    assert rollout.status(db) == []


def test_only_admins_reach_rollouts(client: TestClient, db: Session, settings: Settings) -> None:
    viewer = bearer(settings, make_user(db, "viewer"))
    assert client.get(URL, headers=viewer).status_code == 403
    assert client.post(f"{URL}/abort", json={"route_key": ROUTE}, headers=viewer).status_code == 403
    assert client.get(f"{URL}/decisions").status_code == 401
