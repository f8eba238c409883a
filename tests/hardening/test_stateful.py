"""Stateful sequences with random data: writes on one stack, reads on both; the two
stacks' reads always agree (one database, twin routes)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from shared_models.clock import utcnow
from shared_models.settings import Settings
from tests.hardening.conftest import DEAD_TARGET, World
from tests.helpers import token_for

BASES = ("/api", "/api/v2")
FEW = hypothesis_settings(
    max_examples=8, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
crons = st.sampled_from(["0 9 * * *", "*/5 * * * *", "30 2 1 * *", "0 0 * * sun", "15 14 * * 1-5"])
stacks = st.sampled_from([(BASES[0], BASES[1]), (BASES[1], BASES[0])])


def _agree(client: TestClient, suffix: str, headers: dict[str, str], stable: Any = None) -> Any:
    """GET `suffix` on both stacks; same status and (optionally projected) body."""
    answers = [client.get(base + suffix, headers=headers) for base in BASES]
    assert answers[0].status_code == answers[1].status_code, suffix
    bodies = [answer.json() for answer in answers]
    if stable is not None:
        bodies = [stable(body) for body in bodies]
    assert bodies[0] == bodies[1], suffix
    return answers[0]


def _executions(body: dict[str, Any]) -> list[tuple[str, str]]:
    # Status/timing fields move while the background run finishes; ids and triggers do not.
    return [(e["id"], e["trigger_type"]) for e in body.get("executions", [])]


@FEW
@given(name=names, new_name=names, cron=crons, sides=stacks, active=st.booleans())
def test_job_lifecycle(
    api: TestClient, settings: Settings, world: World,
    name: str, new_name: str, cron: str, sides: tuple[str, str], active: bool,
) -> None:
    writer, _reader = sides
    admin = {"Authorization": f"Bearer {token_for(settings, world.admin)}"}
    viewer = {"Authorization": f"Bearer {token_for(settings, world.viewer)}"}
    tag = uuid.uuid4().hex[:6]
    end = (utcnow() + timedelta(days=30)).date().isoformat()
    created = api.post(f"{writer}/jobs", headers=admin, json={
        "name": f"{name.strip()} {tag}", "cron_expression": cron, "target_url": DEAD_TARGET,
        "end_date": end, "pic_team": "qa-team", "metadata": {"k": name},
    })
    assert created.status_code == 201, created.json()
    job_id = created.json()["job"]["id"]
    assert _agree(api, f"/jobs/{job_id}", viewer).json()["job"]["metadata"] == {"k": name}

    updated = api.put(f"{writer}/jobs/{job_id}", headers=admin, json={"name": f"{new_name.strip()} {tag}", "is_active": active})
    assert updated.status_code == 200, updated.json()
    assert _agree(api, f"/jobs/{job_id}", viewer).json()["job"]["is_active"] is active

    executed = api.post(f"{writer}/jobs/{job_id}/execute", headers=admin, json={})
    assert executed.status_code == (200 if active else 409), executed.json()
    history = _agree(api, f"/jobs/{job_id}/executions", viewer, stable=_executions)
    assert len(_executions(history.json())) == (1 if active else 0)
    _agree(api, "/jobs", viewer, stable=lambda body: [(j["id"], j["name"]) for j in body["jobs"]])

    assert api.delete(f"{writer}/jobs/{job_id}", headers=admin).status_code == 200
    assert _agree(api, f"/jobs/{job_id}", viewer).status_code == 404


usernames = st.from_regex(r"[A-Za-z0-9_]{3,20}", fullmatch=True)


@FEW
@given(username=usernames, role=st.sampled_from(["admin", "user", "viewer"]), sides=stacks)
def test_user_lifecycle(
    api: TestClient, settings: Settings, world: World, username: str, role: str, sides: tuple[str, str]
) -> None:
    writer, reader = sides
    admin = {"Authorization": f"Bearer {token_for(settings, world.admin)}"}
    name = f"{username}_{uuid.uuid4().hex[:6]}"
    registered = api.post(f"{writer}/auth/register", headers=admin, json={
        "username": name, "email": f"{name.lower()}@example.com", "password": "pw-123456",
    })
    assert registered.status_code == 201, registered.json()
    user_id = registered.json()["user"]["id"]
    login = api.post(f"{reader}/auth/login", json={"username": name, "password": "pw-123456"})
    assert login.status_code == 200
    own = {"Authorization": f"Bearer {login.json()['access_token']}"}
    _agree(api, f"/auth/users/{user_id}", admin)

    changed = api.put(f"{reader}/auth/users/{user_id}", headers=admin, json={"role": role})
    assert changed.status_code == 200
    assert _agree(api, f"/auth/users/{user_id}", admin).json()["user"]["role"] == role
    # The role check reads the database (D6): the old token carries the new role's rights.
    assert _agree(api, "/auth/users", own).status_code == (200 if role == "admin" else 403)

    deactivated = api.put(f"{writer}/auth/users/{user_id}", headers=admin, json={"is_active": False})
    assert deactivated.status_code == 200
    assert _agree(api, f"/auth/users/{user_id}", admin).json()["user"]["is_active"] is False
    refused = _agree(api, "/auth/me", own)
    assert (refused.status_code, refused.json()) == (401, {"msg": "User not found or inactive"})
