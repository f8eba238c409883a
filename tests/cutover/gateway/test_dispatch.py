"""Who answers a legacy route in each flag state, through the real gateway."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover.dispatch import caller_identity, decide, in_canary, v2_scope
from gateway import Gateway
from shared_models.settings import Settings
from tests.cutover.gateway.conftest import refreshed, set_flag
from tests.helpers import bearer, make_job, make_user

KEY = "GET /api/jobs/<job_id>"


@pytest.mark.parametrize(("state", "served"), [("legacy", "legacy"), ("shadow", "legacy"), ("fastapi", "fastapi"),
                                               ("canary", "legacy")])
def test_each_state_picks_the_stack_and_keeps_the_body(
    state: str, served: str, gateway: Gateway, client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, "admin")
    job = make_job(db, user, name="nightly")
    set_flag(db, KEY, state, 0)
    refreshed(gateway)
    headers = bearer(settings, user)
    answer = client.get(f"/api/jobs/{job.id}", headers=headers)
    assert answer.headers["x-served-by"] == served
    direct = client.get(f"/api/{'v2/' if served == 'fastapi' else ''}jobs/{job.id}", headers=headers)
    assert answer.status_code == direct.status_code == 200
    assert answer.json() == direct.json()
    assert answer.json()["job"]["name"] == "nightly"
    # Other routes stay on Flask; direct /api/v2 calls say fastapi.
    assert client.get("/api/health").headers["x-served-by"] == "legacy"
    assert client.get("/api/v2/health").headers["x-served-by"] == "fastapi"


def test_fastapi_state_serves_errors_head_and_query_on_the_twin(
    gateway: Gateway, client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, "viewer")
    set_flag(db, KEY, "fastapi")
    set_flag(db, "GET /api/jobs", "fastapi")
    refreshed(gateway)
    missing = client.get("/api/jobs/nope", headers=bearer(settings, user))
    assert missing.status_code == 404 and missing.headers["x-served-by"] == "fastapi"
    assert missing.json() == client.get("/api/v2/jobs/nope", headers=bearer(settings, user)).json()
    head = client.head("/api/jobs/nope", headers=bearer(settings, user))
    assert head.status_code == 404 and head.headers["x-served-by"] == "fastapi" and head.content == b""
    listed = client.get("/api/jobs?per_page=1&page=1", headers=bearer(settings, user))
    assert listed.headers["x-served-by"] == "fastapi"
    assert listed.json() == client.get("/api/v2/jobs?per_page=1&page=1", headers=bearer(settings, user)).json()
    # A literal legacy route beside <job_id> keeps its own flag (legacy here).
    preview = client.post("/api/jobs/validate-cron", json={"expression": "0 9 * * *"}, headers=bearer(settings, user))
    assert preview.headers["x-served-by"] == "legacy"
    # Unknown paths and OPTIONS are Flask's to answer.
    assert client.get("/api/nope").headers["x-served-by"] == "legacy"
    assert client.options("/api/jobs/x").headers["x-served-by"] == "legacy"


def _token_for_sub(sub: str) -> dict[str, str]:
    payload = base64.urlsafe_b64encode(json.dumps({"sub": sub}).encode()).rstrip(b"=").decode()
    return {"Authorization": f"Bearer eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln"}


def test_canary_split_is_within_five_points_over_2000_users_and_sticky(
    gateway: Gateway, client: TestClient, db: Session
) -> None:
    set_flag(db, "GET /api/health", "canary", 30)
    refreshed(gateway)
    served = {}
    for number in range(2000):
        answer = client.get("/api/health", headers=_token_for_sub(f"user-{number}"))
        assert answer.status_code == 200
        served[number] = answer.headers["x-served-by"]
    share = sum(who == "fastapi" for who in served.values()) / len(served)
    assert 0.25 <= share <= 0.35, share
    for number in range(0, 2000, 40):  # sticky: the same user lands on the same stack again
        assert client.get("/api/health", headers=_token_for_sub(f"user-{number}")).headers["x-served-by"] == served[number]


def test_canary_buckets_follow_the_percentage() -> None:
    users = [f"sub:{n}" for n in range(2000)]
    for percent in (0, 5, 50, 95, 100):
        share = sum(in_canary(user, percent) for user in users) / len(users) * 100
        assert abs(share - percent) <= 5, (percent, share)
    # Raising the percentage only adds users: nobody flips back and forth.
    assert {u for u in users if in_canary(u, 10)} <= {u for u in users if in_canary(u, 20)}


def test_caller_identity_reads_sub_without_verifying_else_the_address() -> None:
    scope = {"headers": [(b"authorization", _token_for_sub("42")["Authorization"].encode())], "client": ("1.2.3.4", 5)}
    assert caller_identity(scope) == "sub:42"
    for header in (b"Bearer not-a-jwt", b"Basic abc", b"Bearer a.!!!.c", b"Bearer a.bnVsbA.c"):
        assert caller_identity({"headers": [(b"authorization", header)], "client": ("1.2.3.4", 5)}) == "addr:1.2.3.4"
    assert caller_identity({"headers": []}) == "addr:"
    assert decide(("legacy", 100), scope) == "legacy"
    assert decide(("canary", 100), scope) == "fastapi"
    assert decide(("canary", 0), scope) == "legacy"


def test_v2_scope_rewrites_path_and_raw_path() -> None:
    scope = {"type": "http", "path": "/api/jobs/a b", "raw_path": b"/api/jobs/a%20b"}
    assert v2_scope(scope)["path"] == "/api/v2/jobs/a b"
    assert v2_scope(scope)["raw_path"] == b"/api/v2/jobs/a%20b"
    assert scope["path"] == "/api/jobs/a b"  # the original is untouched
    odd = v2_scope({"type": "http", "path": "/api/jobs", "raw_path": b"/%61pi/jobs"})
    assert odd["path"] == "/api/v2/jobs" and "raw_path" not in odd
