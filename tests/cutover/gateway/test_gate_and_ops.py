"""The safety gate, the audit trail, the admin API and the CLI (one DB logic, one trail)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover.__main__ import run
from gateway import Gateway
from shared_models.models.ops import CutoverAudit, CutoverFlag
from shared_models.settings import Settings
from tests.cutover.gateway.conftest import green
from tests.helpers import bearer, make_user

URL = "/api/v2/admin/cutover/flags"
KEY = "GET /api/jobs"


def _audits(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CutoverAudit)) or 0


def test_gate_refuses_canary_without_green_parity_and_force_is_audited(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, "admin", username="ops_admin")
    headers = bearer(settings, admin)
    refused = client.put(URL, json={"route_key": KEY, "state": "canary", "canary_percent": 10}, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"] == "Parity not green"
    assert "has no parity result" in refused.json()["message"]
    green(db, KEY, mismatched=1)
    refused = client.put(URL, json={"route_key": KEY, "state": "fastapi"}, headers=headers)
    assert refused.status_code == 409 and "1 mismatched of 10 cases" in refused.json()["message"]
    db.expire_all()
    assert db.get(CutoverFlag, KEY) is None and _audits(db) == 0
    # shadow needs no gate
    assert client.put(URL, json={"route_key": KEY, "state": "shadow"}, headers=headers).json()["changed"] is True
    forced = client.put(URL, json={"route_key": KEY, "state": "canary", "canary_percent": 10, "force": True,
                                   "reason": "hotfix"}, headers=headers)
    assert forced.status_code == 200
    assert forced.json() == {**forced.json(), "state": "canary", "canary_percent": 10, "changed": True,
                             "updated_by": "api:ops_admin"}
    entry = client.get("/api/v2/admin/cutover/history", params={"route_key": KEY}, headers=headers).json()["history"][0]
    assert entry["actor"] == "api:ops_admin" and entry["forced"] is True and entry["reason"] == "hotfix"
    assert (entry["from_state"], entry["to_state"]) == ("shadow", "canary:10")
    assert entry["parity"]["mismatched"] == 1 and entry["parity"]["green"] is False


def test_green_parity_opens_the_gate_without_force(client: TestClient, db: Session, settings: Settings) -> None:
    headers = bearer(settings, make_user(db, "admin"))
    green(db, KEY)
    answer = client.put(URL, json={"route_key": KEY, "state": "fastapi", "reason": "green"}, headers=headers)
    assert answer.status_code == 200 and answer.json()["state"] == "fastapi"
    same = client.put(URL, json={"route_key": KEY, "state": "fastapi"}, headers=headers)
    assert same.json()["changed"] is False
    history = client.get("/api/v2/admin/cutover/history", headers=headers).json()["history"]
    assert len(history) == 1 and history[0]["forced"] is False and history[0]["parity"]["green"] is True
    listed = client.get(URL, headers=headers).json()
    row = next(flag for flag in listed["flags"] if flag["route_key"] == KEY)
    assert row["state"] == "fastapi" and row["parity"]["cases"] == 10
    assert len(listed["flags"]) == 45 and listed["switches"] == {"flask_retired": False}


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"state": "legacy"}, 400, '"route_key" is required.'),
    ({"route_key": KEY}, 400, '"state" is required.'),
    ({"route_key": KEY, "state": "sideways"}, 400, '"state" must be one of legacy, shadow, canary, fastapi.'),
    ({"route_key": KEY, "state": "canary"}, 400, '"canary_percent" must be an integer from 0 to 100.'),
    ({"route_key": KEY, "state": "canary", "canary_percent": 101}, 400,
     '"canary_percent" must be an integer from 0 to 100.'),
    ({"route_key": KEY, "state": "canary", "canary_percent": 2.5}, 400,
     '"canary_percent" must be an integer from 0 to 100.'),
    ({"route_key": 5, "state": "legacy"}, 400, '"route_key" must be a string.'),
    ({"route_key": KEY, "state": "legacy", "force": "yes"}, 400, '"force" must be a boolean.'),
    ({"route_key": "GET /api/nope", "state": "legacy"}, 404, "Unknown route 'GET /api/nope'."),
])
def test_bad_flag_requests_change_nothing(
    body: dict[str, object], status: int, message: str, client: TestClient, db: Session, settings: Settings
) -> None:
    answer = client.put(URL, json=body, headers=bearer(settings, make_user(db, "admin")))
    assert (answer.status_code, answer.json()["message"]) == (status, message)
    assert _audits(db) == 0 and db.scalar(select(func.count()).select_from(CutoverFlag)) == 0


def test_admin_only(client: TestClient, db: Session, settings: Settings) -> None:
    assert client.get(URL).status_code == 401
    for role in ("viewer", "user"):
        headers = bearer(settings, make_user(db, role, username=f"u_{role}"))
        assert client.get(URL, headers=headers).status_code == 403
        assert client.put(URL, json={"route_key": KEY, "state": "shadow"}, headers=headers).status_code == 403
        assert client.get("/api/v2/admin/cutover/shadow", headers=headers).status_code == 403
    assert _audits(db) == 0


def test_switch_gate_and_audit(client: TestClient, db: Session, settings: Settings) -> None:
    headers = bearer(settings, make_user(db, "admin", username="ops_admin"))
    url = "/api/v2/admin/cutover/switches/flask_retired"
    refused = client.put(url, json={"enabled": True}, headers=headers)
    assert refused.status_code == 409 and refused.json()["message"].count("has no parity result") == 45
    assert client.put("/api/v2/admin/cutover/switches/nope", json={"enabled": True}, headers=headers).status_code == 404
    assert client.put(url, json={}, headers=headers).json()["message"] == '"enabled" is required.'
    done = client.put(url, json={"enabled": True, "force": True, "reason": "drill"}, headers=headers)
    assert done.json() == {"name": "flask_retired", "enabled": True, "changed": True}
    entry = client.get("/api/v2/admin/cutover/history", headers=headers).json()["history"][0]
    assert entry["route_key"] == "switch:flask_retired" and entry["forced"] is True
    assert (entry["from_state"], entry["to_state"]) == ("off", "on")


def test_cli_writes_the_same_trail(settings: Settings, db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["routes"], settings) == 0
    assert "GET /api/jobs/<job_id>" in capsys.readouterr().out
    assert run(["flags", "set", KEY, "canary", "--percent", "20"], settings) == 1
    assert "has no parity result" in capsys.readouterr().err
    assert run(["flags", "set", KEY, "canary", "--percent", "20", "--force", "--reason", "cli drill",
                "--actor", "cli:ops"], settings) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "canary"
    assert run(["flags", "set", "GET /api/nope", "shadow"], settings) == 1
    assert "Unknown route" in capsys.readouterr().err
    assert run(["flags", "history", KEY, "--json"], settings) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(h["actor"], h["to_state"], h["forced"], h["reason"]) for h in history] == [
        ("cli:ops", "canary:20", True, "cli drill")]
    assert run(["flags", "list"], settings) == 0
    assert any(line.startswith(KEY + " ") and "canary 20%" in line for line in capsys.readouterr().out.splitlines())
    assert run(["shadow", "stats", "--json"], settings) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_gateway_publishes_its_registry_to_the_admin_api(gateway: Gateway) -> None:
    assert gateway.registry is not None
    assert gateway.v2_app.state.cutover_route_keys == gateway.registry.keys()  # type: ignore[attr-defined]
