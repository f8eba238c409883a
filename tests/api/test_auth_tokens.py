"""POST /auth/login, /auth/refresh, GET /auth/me and the JWT edge cases (§2.3, §3.1.2–4, D6, D20)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy.orm import Session

from shared_models import clock, tokens
from shared_models.clock import utcnow
from shared_models.models import RefreshTokenUse, RevokedToken, User
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import PASSWORD, bearer, make_user, table_rows, token_for
from tests.stacks import ApiClient

USER_KEYS = {"id", "username", "email", "role", "is_active", "created_at", "updated_at"}
BAD_CREDENTIALS = {"error": "Invalid email/username or password"}


def _login(client: ApiClient, **body: object):
    return client.post("/api/auth/login", json=body)


def _claims(settings: Settings, token: str) -> dict:
    return jwt.decode(token, settings.JWT_SECRET_KEY, algorithms=["HS256"])


# --- login ---------------------------------------------------------------------------


def test_login_by_username_returns_tokens_and_user(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "user")
    response = _login(client, username=user.username, password=PASSWORD)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"message", "access_token", "refresh_token", "user"}
    assert body["message"] == "Login successful"
    assert body["user"]["id"] == user.id and set(body["user"]) == USER_KEYS
    access, refresh = _claims(settings, body["access_token"]), _claims(settings, body["refresh_token"])
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["sub"] == refresh["sub"] == user.id
    assert access["role"] == "user" and access["email"] == user.email


def test_login_by_email_with_padding_trimmed(client: ApiClient, db: Session) -> None:
    user = make_user(db, "viewer")
    response = _login(client, email=f"  {user.email} ", password=PASSWORD)
    assert response.status_code == 200
    assert response.get_json()["user"]["email"] == user.email


def test_login_identifier_matches_email_given_as_username(client: ApiClient, db: Session) -> None:
    user = make_user(db, "viewer")
    response = _login(client, username=user.email, password=PASSWORD)
    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == user.id


def test_login_identifier_is_case_sensitive(client: ApiClient, db: Session) -> None:
    user = make_user(db, "viewer")
    response = _login(client, username=user.username.upper(), password=PASSWORD)
    assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS)


def test_login_password_is_not_trimmed(client: ApiClient, db: Session) -> None:
    user = make_user(db, "viewer")
    response = _login(client, username=user.username, password=f" {PASSWORD}")
    assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS)


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "someone"}, {"password": "x"}, {"username": "   ", "password": "x"}, {"username": "", "email": "", "password": "x"}],
)
def test_login_missing_fields(client: ApiClient, body: dict) -> None:
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Email/Username and password are required"}


def test_login_unknown_user(client: ApiClient) -> None:
    response = _login(client, username="nobody", password=PASSWORD)
    assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS)


def test_login_wrong_password(client: ApiClient, db: Session) -> None:
    user = make_user(db, "admin")
    response = _login(client, username=user.username, password="wrong-password")
    assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS)


def test_login_inactive_is_reported_before_the_password(client: ApiClient, db: Session) -> None:
    user = make_user(db, "user", is_active=False)
    expected = {"error": "Account is inactive. Contact administrator."}
    for password in (PASSWORD, "wrong-password"):
        response = _login(client, username=user.username, password=password)
        assert (response.status_code, response.get_json()) == (401, expected)


def test_login_requires_json_content_type(client: ApiClient) -> None:
    response = client.post("/api/auth/login", data="username=a&password=b")
    assert (response.status_code, response.get_json()) == (400, {"error": "Content-Type must be application/json"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ('["a", "b"]', {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ('"text"', {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ('{"username": 5, "password": "x"}', {"error": "Invalid payload", "message": '"username" must be a string.'}),
        ('{"username": "a", "password": 123456}', {"error": "Invalid payload", "message": '"password" must be a string.'}),
        ('{"email": ["a"], "password": "x"}', {"error": "Invalid payload", "message": '"email" must be a string.'}),
    ],
)
def test_login_bad_bodies_are_400(client: ApiClient, raw: str, expected: dict) -> None:
    response = client.post("/api/auth/login", data=raw, content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, expected)


# --- refresh (D20: no rotation by default; opt-in rotation) -------------------------------


def test_refresh_does_not_rotate_by_default(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "user")
    login_refresh = token_for(settings, user, "refresh")
    for _ in range(3):  # the same refresh token, again and again
        response = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {login_refresh}"})
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == {"access_token"}
        assert _claims(settings, body["access_token"])["type"] == "access"
        assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200
    assert table_rows(db, RevokedToken) == []
    assert table_rows(db, RefreshTokenUse) == []


def _rotating(settings: Settings, **extra: object) -> Settings:
    return make_settings(settings.DATABASE_URL, REFRESH_TOKEN_ROTATION=True, **extra)


def test_refresh_rotates_when_opted_in_and_the_consumed_token_works_within_the_window(
    client_for: Callable[[Settings], AbstractContextManager[Any]], db: Session, settings: Settings
) -> None:
    user = make_user(db, "user")
    old_refresh = token_for(settings, user, "refresh")
    with client_for(_rotating(settings)) as client:
        response = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {old_refresh}"})
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == {"access_token", "refresh_token"}
        access, refresh = _claims(settings, body["access_token"]), _claims(settings, body["refresh_token"])
        assert (access["type"], refresh["type"]) == ("access", "refresh")
        assert refresh["jti"] != _claims(settings, old_refresh)["jti"]
        # Within the reuse window the consumed token still works (parallel refreshes).
        again = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {old_refresh}"})
        assert again.status_code == 200 and set(again.get_json()) == {"access_token", "refresh_token"}
        assert client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {body['refresh_token']}"}).status_code == 200
    assert table_rows(db, RevokedToken) == []
    family = {row["jti"]: row["family_id"] for row in table_rows(db, RefreshTokenUse)}
    assert len(family) == 1 + 2 * 3 and set(family.values()) == {_claims(settings, old_refresh)["jti"]}


def test_a_consumed_token_after_the_window_is_refused_and_revokes_its_family(
    client_for: Callable[[Settings], AbstractContextManager[Any]], db: Session, settings: Settings
) -> None:
    user = make_user(db, "user")
    start = utcnow()
    clock.freeze(start)
    with client_for(_rotating(settings, REFRESH_TOKEN_REUSE_SECONDS=60)) as client:
        login = _login(client, username=user.username, password=PASSWORD).get_json()
        first = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {login['refresh_token']}"}).get_json()
        clock.freeze(start + timedelta(seconds=61))
        replay = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {login['refresh_token']}"})
        assert (replay.status_code, replay.get_json()) == (401, {"msg": "Token has been revoked"})
        # Every token of that login is revoked: the rotated refresh token and the access tokens.
        for token, path in ((first["refresh_token"], "/api/auth/refresh"), (first["access_token"], "/api/auth/me"),
                            (login["access_token"], "/api/auth/me")):
            refused = client.open(path, method="POST" if path.endswith("refresh") else "GET",
                                  headers={"Authorization": f"Bearer {token}"})
            assert (refused.status_code, refused.get_json()) == (401, {"msg": "Token has been revoked"})
    revoked = {row["jti"] for row in table_rows(db, RevokedToken)}
    assert revoked == {_claims(settings, token)["jti"] for token in (
        login["access_token"], login["refresh_token"], first["access_token"], first["refresh_token"])}


def test_refresh_carries_the_current_db_role(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "viewer")
    refresh_token = token_for(settings, user, "refresh")
    user.role = "admin"
    db.commit()
    response = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {refresh_token}"})
    assert _claims(settings, response.get_json()["access_token"])["role"] == "admin"


def test_refresh_with_access_token_is_422(client: ApiClient, db: Session, settings: Settings) -> None:
    response = client.post("/api/auth/refresh", headers=bearer(settings, make_user(db)))
    assert (response.status_code, response.get_json()) == (422, {"msg": "Only refresh tokens are allowed"})


def test_refresh_without_token_is_401(client: ApiClient) -> None:
    response = client.post("/api/auth/refresh")
    assert (response.status_code, response.get_json()) == (401, {"msg": "Missing Authorization Header"})


def test_refresh_for_deactivated_user_is_401(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "user")
    headers = bearer(settings, user, "refresh")
    user.is_active = False
    db.commit()
    response = client.post("/api/auth/refresh", headers=headers)
    assert (response.status_code, response.get_json()) == (401, {"msg": "User not found or inactive"})
    assert table_rows(db, RevokedToken) == []


def test_login_then_refresh_end_to_end(client: ApiClient, db: Session) -> None:
    user = make_user(db, "viewer")
    login = _login(client, username=user.username, password=PASSWORD).get_json()
    response = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {login['refresh_token']}"})
    assert response.status_code == 200
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.get_json()['access_token']}"})
    assert me.get_json()["user"]["username"] == user.username


# --- me ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "user", "viewer"])
def test_me_returns_the_caller(client: ApiClient, db: Session, settings: Settings, role: str) -> None:
    user = make_user(db, role)
    response = client.get("/api/auth/me", headers=bearer(settings, user))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"user"} and set(body["user"]) == USER_KEYS
    assert {k: body["user"][k] for k in ("id", "username", "email", "role", "is_active")} == {
        "id": user.id, "username": user.username, "email": user.email, "role": role, "is_active": True,
    }
    assert body["user"]["created_at"].endswith("Z")


# --- token edge cases (§2.3, D6) -----------------------------------------------------------


def _me(client: ApiClient, token: str):
    return client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_expired_token(client: ApiClient, db: Session, settings: Settings) -> None:
    response = _me(client, token_for(settings, make_user(db), expires_in=-10))
    assert (response.status_code, response.get_json()) == (401, {"msg": "Token has expired"})


def test_bad_signature(client: ApiClient, db: Session) -> None:
    token = tokens.issue(make_user(db), "access", secret="another-secret-that-is-long-enough-x", expires_in=60)
    response = _me(client, token)
    assert (response.status_code, response.get_json()) == (422, {"msg": "Signature verification failed"})


def test_alg_none_is_refused(client: ApiClient, db: Session, settings: Settings) -> None:
    claims = _claims(settings, token_for(settings, make_user(db, "admin")))
    token = jwt.encode(claims, None, algorithm="none")
    response = _me(client, token)
    assert (response.status_code, response.get_json()) == (422, {"msg": "The specified alg value is not allowed"})


def test_garbage_token(client: ApiClient) -> None:
    response = _me(client, "garbage")
    assert (response.status_code, response.get_json()) == (422, {"msg": "Not enough segments"})


def test_refresh_token_on_normal_endpoint(client: ApiClient, db: Session, settings: Settings) -> None:
    response = _me(client, token_for(settings, make_user(db), "refresh"))
    assert (response.status_code, response.get_json()) == (422, {"msg": "Only non-refresh tokens are allowed"})


def test_wrong_scheme(client: ApiClient, db: Session, settings: Settings) -> None:
    response = client.get("/api/auth/me", headers={"Authorization": f"bearer {token_for(settings, make_user(db))}"})
    assert response.status_code == 401
    assert response.get_json() == {
        "msg": "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
    }


def test_revoked_access_token(client: ApiClient, db: Session, settings: Settings) -> None:
    token = token_for(settings, make_user(db))
    tokens.revoke(db, _claims(settings, token))
    db.commit()
    response = _me(client, token)
    assert (response.status_code, response.get_json()) == (401, {"msg": "Token has been revoked"})


def test_deactivated_users_token(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "admin")
    token = token_for(settings, user)
    user.is_active = False
    db.commit()
    response = _me(client, token)
    assert (response.status_code, response.get_json()) == (401, {"msg": "User not found or inactive"})


def test_deleted_users_token(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "admin")
    token = token_for(settings, user)
    db.delete(user)
    db.commit()
    response = _me(client, token)
    assert (response.status_code, response.get_json()) == (401, {"msg": "User not found or inactive"})
    assert table_rows(db, User) == []
