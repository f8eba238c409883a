"""Login rate limit (LOGIN_RATE_LIMIT_PER_MINUTE per identifier and client address),
counted in the shared database so both stacks and every worker agree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models.clock import utcnow
from shared_models.models import LoginAttempt
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import PASSWORD, make_user, table_rows

LIMIT = 3
LOGIN_PATHS = ("/api/auth/login", "/api/v2/auth/login")


@pytest.fixture
def limited(database_url: str, engine: Engine) -> Settings:
    return make_settings(database_url, LOGIN_RATE_LIMIT_PER_MINUTE=LIMIT)


@pytest.fixture
def client(make_api: Callable[[Settings], Any], limited: Settings) -> Iterator[TestClient]:
    with TestClient(make_api(limited)) as client:
        yield client


def _login(client: TestClient, path: str, username: str, password: str) -> object:
    if path.endswith("/form"):
        return client.post(path, data={"username": username, "password": password})
    return client.post(path, json={"username": username, "password": password})


def test_attempts_are_shared_by_both_stacks_then_refused(client: TestClient, db: Session) -> None:
    user = make_user(db, "viewer")
    paths = ["/api/auth/login", "/api/v2/auth/login", "/api/v2/auth/login/form"]
    for path in paths:  # three failures, one per route: the limit of 3 is reached
        assert _login(client, path, user.username, "wrong-password").status_code == 401
    for path in [*paths, "/api/auth/login"]:
        refused = _login(client, path, user.username, PASSWORD)  # even the right password
        assert refused.status_code == 429, path
        body = refused.json()
        assert body["error"] == "Too many login attempts"
        assert body["message"].startswith("Too many login attempts. Try again in ")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "access_token" not in body
    assert len(table_rows(db, LoginAttempt)) == 1
    assert table_rows(db, LoginAttempt)[0]["count"] == LIMIT


def test_other_identifier_and_other_address_are_counted_apart(
    client: TestClient, make_api: Callable[[Settings], Any], limited: Settings, db: Session
) -> None:
    user = make_user(db, "viewer")
    other = make_user(db, "viewer")
    for _ in range(LIMIT):
        client.post("/api/auth/login", json={"username": user.username, "password": "nope"})
    assert client.post("/api/auth/login", json={"username": user.username, "password": "nope"}).status_code == 429
    ok = client.post("/api/v2/auth/login", json={"username": other.username, "password": PASSWORD})
    assert ok.status_code == 200
    with TestClient(make_api(limited), client=("10.9.8.7", 4000)) as elsewhere:
        for path in LOGIN_PATHS:
            answer = elsewhere.post(path, json={"username": user.username, "password": PASSWORD})
            assert answer.status_code == 200, path
    # X-Forwarded-For is not trusted: it does not open a new window.
    spoofed = client.post(
        "/api/auth/login", json={"username": user.username, "password": PASSWORD}, headers={"X-Forwarded-For": "1.2.3.4"}
    )
    assert spoofed.status_code == 429


def test_window_ends_after_a_minute(client: TestClient, db: Session) -> None:
    user = make_user(db, "viewer")
    for _ in range(LIMIT):
        client.post("/api/v2/auth/login", json={"username": user.username, "password": "nope"})
    assert client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD}).status_code == 429
    db.execute(update(LoginAttempt).values(window_start=utcnow() - timedelta(seconds=61)))
    db.commit()
    for path in LOGIN_PATHS:
        assert client.post(path, json={"username": user.username, "password": PASSWORD}).status_code == 200


def test_bad_requests_are_not_counted(client: TestClient, db: Session) -> None:
    for _ in range(LIMIT + 2):
        assert client.post("/api/auth/login", json={"username": "someone"}).status_code == 400
        assert client.post("/api/v2/auth/login", data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert table_rows(db, LoginAttempt) == []


def test_default_limit_is_ten(settings: Settings) -> None:
    assert Settings(_env_file=None).LOGIN_RATE_LIMIT_PER_MINUTE == 10  # type: ignore[call-arg]
