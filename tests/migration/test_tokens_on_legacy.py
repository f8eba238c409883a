"""The legacy half of tests/fastapi_app/test_tokens.py: the same refusal cases and login
errors sent to the legacy stack, and tokens crossing between the stacks (D6, D17).

Kept apart so the v2 tests outlive Flask; this file is deleted with it."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models.serializers import user_to_dict
from shared_models.settings import Settings
from tests.fastapi_app.test_tokens import CASES, LOGIN_FORM_ERRORS, login_form
from tests.helpers import PASSWORD, make_user, token_for


def _headers(value: str | None) -> dict[str, str]:
    return {} if value is None else {"Authorization": value}


@pytest.mark.parametrize("name", list(CASES))
def test_legacy_refusals_are_the_v2_refusals(name: str, settings: Settings, db: Session, legacy_client: Any) -> None:
    build, status, body = CASES[name]
    user = make_user(db, "viewer")

    legacy = legacy_client.get("/api/auth/me", headers=_headers(build(settings, user, db)))

    assert (legacy.status_code, legacy.get_json()) == (status, body)


def test_a_good_token_is_the_same_user_on_both(settings: Settings, db: Session, legacy_client: Any,
                                               v2_client: TestClient) -> None:
    user = make_user(db, "user")
    headers = _headers(f"Bearer {token_for(settings, user)}")

    legacy = legacy_client.get("/api/auth/me", headers=headers)
    v2 = v2_client.get("/api/v2/auth/verify", headers=headers)

    assert (legacy.status_code, legacy.get_json()) == (200, {"user": user_to_dict(user)})
    assert v2.json()["user"] == legacy.get_json()["user"]


def test_legacy_tokens_work_on_v2_and_back(settings: Settings, db: Session, legacy_client: Any,
                                           v2_client: TestClient) -> None:
    user = make_user(db, "admin")
    legacy_login = legacy_client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    v2_login = v2_client.post("/api/v2/auth/login/form", data={"username": user.username, "password": PASSWORD})
    assert legacy_login.status_code == v2_login.status_code == 200

    for issued in (legacy_login.get_json(), v2_login.json()):
        access = {"Authorization": f"Bearer {issued['access_token']}"}
        assert v2_client.get("/api/v2/auth/verify", headers=access).json()["user"]["id"] == user.id
        assert legacy_client.get("/api/auth/me", headers=access).get_json()["user"]["id"] == user.id
        refresh = {"Authorization": f"Bearer {issued['refresh_token']}"}
        refreshed = legacy_client.post("/api/auth/refresh", headers=refresh)
        assert refreshed.status_code == 200
        assert jwt.decode(refreshed.get_json()["access_token"], options={"verify_signature": False})["sub"] == user.id
    # Same claim names, in the same order, from both stacks (D6).
    legacy_claims = jwt.decode(legacy_login.get_json()["access_token"], options={"verify_signature": False})
    v2_claims = jwt.decode(v2_login.json()["access_token"], options={"verify_signature": False})
    assert list(v2_claims) == [key for key in legacy_claims if key != "csrf"]


@pytest.mark.parametrize(("form", "status", "error"), LOGIN_FORM_ERRORS)
def test_legacy_login_errors_are_the_login_form_errors(
    form: dict[str, str], status: int, error: str, db: Session, legacy_client: Any
) -> None:
    legacy = legacy_client.post("/api/auth/login", json=login_form(db, form))

    assert (legacy.status_code, legacy.get_json()) == (status, {"error": error})


def test_a_v2_logout_revokes_on_legacy(settings: Settings, db: Session, legacy_client: Any,
                                       v2_client: TestClient) -> None:
    user = make_user(db, "user")
    access, refresh = token_for(settings, user), token_for(settings, user, "refresh")

    response = v2_client.post("/api/v2/auth/logout", headers={"Authorization": f"Bearer {access}"},
                              json={"refresh_token": refresh})

    assert (response.status_code, response.json()) == (200, {"message": "Logged out"})
    revoked = (401, {"msg": "Token has been revoked"})
    me = legacy_client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
    again = legacy_client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {refresh}"})
    assert (me.status_code, me.get_json()) == revoked
    assert (again.status_code, again.get_json()) == revoked
