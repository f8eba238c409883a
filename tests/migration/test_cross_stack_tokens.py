"""Tokens are one currency across the stacks (D6, D20): both sign the same claims with the
same key, check one revocation table and the same user row, so a token issued, refreshed,
revoked or made stale on one stack is treated the same on the other."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models.models import RefreshTokenUse, RevokedToken
from shared_models.settings import Settings
from tests.helpers import PASSWORD, make_user, table_rows

REVOKED = {"msg": "Token has been revoked"}
STALE = {"msg": "User not found or inactive"}


class Stacks:
    """The legacy and v2 clients behind one call style: `(status, json)` per request."""

    def __init__(self, legacy: FlaskClient, v2: TestClient) -> None:
        self.legacy, self.v2 = legacy, v2

    def send(self, stack: str, method: str, suffix: str, token: str | None = None, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if stack == "legacy":
            response = self.legacy.open(f"/api{suffix}", method=method, headers=headers, **kwargs)
            return response.status_code, response.get_json()
        response = self.v2.request(method, f"/api/v2{suffix}", headers=headers, **kwargs)
        return response.status_code, response.json()

    def login(self, stack: str, username: str) -> dict[str, Any]:
        status, body = self.send(stack, "POST", "/auth/login", json={"username": username, "password": PASSWORD})
        assert status == 200, body
        return body

    def me(self, stack: str, token: str) -> tuple[int, Any]:
        return self.send(stack, "GET", "/auth/me", token)

    def refresh(self, stack: str, token: str) -> tuple[int, Any]:
        return self.send(stack, "POST", "/auth/refresh", token)


@pytest.fixture
def stacks(legacy_client: FlaskClient, v2_client: TestClient) -> Stacks:
    return Stacks(legacy_client, v2_client)


PAIRS = [("legacy", "v2"), ("v2", "legacy")]
PAIR_IDS = ["legacy-to-v2", "v2-to-legacy"]


def _claims(settings: Settings, token: str) -> dict[str, Any]:
    return jwt.decode(token, settings.JWT_SECRET_KEY, algorithms=["HS256"])


@pytest.mark.parametrize(("issuer", "consumer"), PAIRS, ids=PAIR_IDS)
def test_login_on_one_stack_works_on_the_other(db: Session, stacks: Stacks, issuer: str, consumer: str) -> None:
    user = make_user(db, "viewer")
    login = stacks.login(issuer, user.username)
    status, body = stacks.me(consumer, login["access_token"])
    assert status == 200 and body["user"] == login["user"]
    assert body["user"]["id"] == user.id


@pytest.mark.parametrize(("issuer", "consumer"), PAIRS, ids=PAIR_IDS)
def test_refresh_with_the_other_stacks_refresh_token(
    db: Session, settings: Settings, stacks: Stacks, issuer: str, consumer: str
) -> None:
    user = make_user(db, "user")
    login_refresh = stacks.login(issuer, user.username)["refresh_token"]
    status, refreshed = stacks.refresh(consumer, login_refresh)
    assert status == 200 and set(refreshed) == {"access_token"}  # D20: no rotation by default
    # The consumer's new access token is good on both stacks, and so is the refresh token.
    for stack in ("legacy", "v2"):
        assert stacks.me(stack, refreshed["access_token"])[0] == 200
        assert stacks.refresh(stack, login_refresh)[0] == 200
    assert table_rows(db, RevokedToken) == []


@pytest.fixture
def rotating(settings: Settings) -> Settings:
    """Both stacks of `stacks` share this settings object: switch D20 rotation on."""
    settings.REFRESH_TOKEN_ROTATION = True
    return settings


def test_refresh_rotation_chain_alternates_stacks(db: Session, rotating: Settings, stacks: Stacks) -> None:
    user = make_user(db, "viewer")
    login_refresh = token = stacks.login("legacy", user.username)["refresh_token"]
    seen = []
    for stack in ("v2", "legacy", "v2", "legacy"):
        status, body = stacks.refresh(stack, token)
        assert status == 200 and set(body) == {"access_token", "refresh_token"}, (stack, body)
        seen.append(_claims(rotating, token)["jti"])
        token = body["refresh_token"]
    assert len(set(seen)) == 4
    # One family, whichever stack rotated it: every member was recorded under the login's jti.
    family = {row["family_id"] for row in table_rows(db, RefreshTokenUse)}
    assert family == {_claims(rotating, login_refresh)["jti"]}
    assert table_rows(db, RevokedToken) == []


def test_v2_logout_revokes_on_legacy(db: Session, stacks: Stacks) -> None:
    user = make_user(db, "user")
    login = stacks.login("legacy", user.username)
    assert stacks.me("legacy", login["access_token"])[0] == 200
    status, _ = stacks.send("v2", "POST", "/auth/logout", login["access_token"],
                            json={"refresh_token": login["refresh_token"]})
    assert status == 200
    for stack in ("legacy", "v2"):
        assert stacks.me(stack, login["access_token"]) == (401, REVOKED)
        assert stacks.refresh(stack, login["refresh_token"]) == (401, REVOKED)


def test_v2_logout_of_a_v2_token_is_seen_by_legacy(db: Session, stacks: Stacks) -> None:
    user = make_user(db, "admin")
    access = stacks.login("v2", user.username)["access_token"]
    assert stacks.send("v2", "POST", "/auth/logout", access)[0] == 200
    assert stacks.me("legacy", access) == (401, REVOKED)
    # A role-guarded legacy route refuses it at the token layer, before the role check.
    assert stacks.send("legacy", "GET", "/auth/users", access) == (401, REVOKED)


@pytest.mark.parametrize("issuer", ["legacy", "v2"])
@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_a_stale_users_tokens_are_refused_by_both(
    db: Session, stacks: Stacks, issuer: str, change: str
) -> None:
    user = make_user(db, "user")
    login = stacks.login(issuer, user.username)
    if change == "deactivated":
        user.is_active = False
    else:
        db.delete(user)
    db.commit()
    for stack in ("legacy", "v2"):
        assert stacks.me(stack, login["access_token"]) == (401, STALE)
        assert stacks.refresh(stack, login["refresh_token"]) == (401, STALE)
    assert table_rows(db, RevokedToken) == []


def test_deactivated_by_a_v2_admin_is_refused_by_legacy(db: Session, settings: Settings, stacks: Stacks) -> None:
    admin, user = make_user(db, "admin"), make_user(db, "user")
    user_token = stacks.login("legacy", user.username)["access_token"]
    admin_token = stacks.login("legacy", admin.username)["access_token"]
    status, body = stacks.send("v2", "PUT", f"/auth/users/{user.id}", admin_token, json={"is_active": False})
    assert (status, body["updated_fields"]) == (200, ["is_active"])
    assert stacks.me("legacy", user_token) == (401, STALE)
    status, body = stacks.send("legacy", "POST", "/auth/login", json={"username": user.username, "password": PASSWORD})
    assert (status, body) == (401, {"error": "Account is inactive. Contact administrator."})


def test_role_change_on_one_stack_applies_on_the_other(db: Session, stacks: Stacks) -> None:
    admin, user = make_user(db, "admin"), make_user(db, "viewer")
    viewer_token = stacks.login("v2", user.username)["access_token"]  # its claim says viewer
    assert stacks.send("legacy", "GET", "/auth/users", viewer_token)[0] == 403
    admin_token = stacks.login("v2", admin.username)["access_token"]
    assert stacks.send("legacy", "PUT", f"/auth/users/{user.id}", admin_token, json={"role": "admin"})[0] == 200
    for stack in ("legacy", "v2"):
        status, body = stacks.send(stack, "GET", "/auth/users", viewer_token)
        assert status == 200 and body["count"] == 2
