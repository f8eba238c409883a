"""D17 amended: every v2-only route also answers at its /api path through the gateway,
served by FastAPI whatever the cutover flags say, CORS preflight included."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from gateway import Gateway
from shared_models.settings import Settings
from tests.cutover.gateway.conftest import refreshed, set_flag
from tests.helpers import PASSWORD, bearer, make_user

ORIGIN = "https://app.example.com"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.CORS_ORIGINS = ORIGIN  # one allowed origin, as a deployment would have
    return settings


@pytest.mark.parametrize("some_flag_set", [False, True], ids=["all-legacy", "a-route-cut-over"])
def test_v2_only_routes_answer_at_their_api_path(
    some_flag_set: bool, gateway: Gateway, client: TestClient, db: Session, settings: Settings
) -> None:
    if some_flag_set:  # the gateway's all-legacy shortcut is off: the route match runs
        set_flag(db, "GET /api/jobs", "fastapi")
        refreshed(gateway)
    user = make_user(db, "user")
    form = client.post("/api/auth/login/form", data={"username": user.username, "password": PASSWORD})
    assert form.status_code == 200 and form.headers["x-served-by"] == "fastapi"
    assert form.json()["token_type"] == "bearer"
    access = form.json()["access_token"]
    verify = client.get("/api/auth/verify", headers={"Authorization": f"Bearer {access}"})
    assert (verify.status_code, verify.headers["x-served-by"]) == (200, "fastapi")
    assert verify.json() == client.get("/api/v2/auth/verify", headers={"Authorization": f"Bearer {access}"}).json()

    preflight = client.options("/api/auth/logout", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert (preflight.status_code, preflight.headers["x-served-by"]) == (200, "fastapi")
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["access-control-allow-methods"] == "DELETE, GET, OPTIONS, POST, PUT"
    logout = client.post("/api/auth/logout", headers={"Origin": ORIGIN, "Authorization": f"Bearer {access}"},
                         json={"refresh_token": form.json()["refresh_token"]})
    assert (logout.status_code, logout.headers["x-served-by"]) == (200, "fastapi")
    assert logout.headers["access-control-allow-origin"] == ORIGIN
    # Revoked for both stacks: Flask answers /api/auth/me and refuses the token.
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
    assert (me.status_code, me.json(), me.headers["x-served-by"]) == (401, {"msg": "Token has been revoked"}, "legacy")


def test_wrong_methods_and_neighbours_stay_where_they_were(client: TestClient, db: Session, settings: Settings) -> None:
    wrong = client.get("/api/auth/logout")  # no Flask rule there: FastAPI's JSON 405
    assert (wrong.status_code, wrong.headers["x-served-by"]) == (405, "fastapi")
    assert wrong.headers["allow"] == "OPTIONS, POST"  # as Flask words it (D2)
    # A paired route (login) is still Flask's, and so is an unknown neighbour path.
    user = make_user(db, "user")
    login = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert (login.status_code, login.headers["x-served-by"]) == (200, "legacy")
    assert client.post("/api/auth/logoutx", headers=bearer(settings, user)).headers["x-served-by"] == "legacy"
