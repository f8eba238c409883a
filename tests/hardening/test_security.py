"""Security battery on `/api` and `/api/v2`, driven by the routes the app documents
(tests/hardening/routes.py).

Every route × {no token, malformed, expired, revoked, deleted user, deactivated user,
viewer, user not owner} answers the documented status, the same on /api and /api/v2.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import jwt
import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models import tokens
from shared_models.db import begin_write
from shared_models.models import User
from shared_models.settings import Settings
from tests.hardening.conftest import World
from tests.hardening.routes import api_routes, v2_path
from tests.helpers import make_user, token_for

PUBLIC = {"POST /api/auth/login", "POST /api/auth/login/form", "GET /api/health"}
REFRESH = "POST /api/auth/refresh"
ADMIN_ONLY = {
    "POST /api/auth/register", "GET /api/auth/users", "DELETE /api/auth/users/<user_id>",
    "GET /api/settings/slack", "PUT /api/settings/slack",
    "POST /api/job-categories", "PUT /api/job-categories/<category_id>", "DELETE /api/job-categories/<category_id>",
    "POST /api/pic-teams", "PUT /api/pic-teams/<team_id>", "DELETE /api/pic-teams/<team_id>",
}
SELF_OR_ADMIN = {
    f"{method} /api/auth/users/<user_id>{suffix}"
    for method in ("GET", "PUT") for suffix in ("", "/preferences", "/ui-preferences")
}
WRITERS_ONLY = {"POST /api/jobs/test-run", "POST /api/jobs", "POST /api/jobs/bulk-upload"}  # admin, user
OWNER_OR_ADMIN = {"PUT /api/jobs/<job_id>", "DELETE /api/jobs/<job_id>", "POST /api/jobs/<job_id>/execute"}
NOTIFICATION_OWNER = {"PUT /api/notifications/<notification_id>/read", "DELETE /api/notifications/<notification_id>"}

MISSING = {"msg": "Missing Authorization Header"}
STALE = {"msg": "User not found or inactive"}


def _path(rule: str, world: World) -> str:
    """The legacy rule with ids of rows that belong to `world.owner`."""
    values = {
        "user_id": world.owner.id, "job_id": world.job_id, "execution_id": world.execution_id,
        "notification_id": world.notification_ids[world.owner.username], "team_id": world.team_id,
        "category_id": world.category_ids[0],
    }
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule)


def _send(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {} if method in ("POST", "PUT") else None
    return client.request(method, path, headers=headers, json=body)


def _both(client: TestClient, method: str, legacy_path: str, headers: Any) -> tuple[Any, Any]:
    """The request on each stack; `headers` may be a callable (a fresh token per request:
    refresh may rotate (D20 opt-in), so one refresh token need not serve both)."""
    make = headers if callable(headers) else (lambda: headers)
    return _send(client, method, legacy_path, make()), _send(client, method, v2_path(legacy_path), make())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _start_write(db: Session) -> None:
    """End the read transaction the last attribute load opened, and start a write one:
    the gateway writes in the background (route figures), and SQLite refuses a deferred
    read-then-write transaction at once ("database is locked", DESIGN.md pitfalls)."""
    db.commit()
    begin_write(db)


def _token_kind(key: str) -> str:
    return "refresh" if key == REFRESH else "access"


def test_every_route_is_classified(api: TestClient) -> None:
    """A new route must be placed in this battery's tables before it can ship."""
    keys = {route.key for route in api_routes(api)}
    assert len(keys) == 48
    classified = PUBLIC | {REFRESH} | ADMIN_ONLY | SELF_OR_ADMIN | WRITERS_ONLY | OWNER_OR_ADMIN | NOTIFICATION_OWNER
    assert classified <= keys


@pytest.mark.parametrize("condition", ["none", "malformed", "expired", "revoked", "deleted", "deactivated"])
def test_token_conditions_on_every_route(
    condition: str, api: TestClient, settings: Settings, db: Session, world: World
) -> None:
    victim = make_user(db, "admin")  # admin, so only the token problem can refuse it
    expected: tuple[int, dict[str, str]]
    checked = 0
    for route in api_routes(api):
        if route.key in PUBLIC:
            continue
        kind = _token_kind(route.key)
        if condition == "none":
            headers, expected = {}, (401, MISSING)
        elif condition == "malformed":
            headers, expected = {"Authorization": "Bearer not-a-jwt"}, (422, {"msg": "Not enough segments"})
        elif condition == "expired":
            headers = _bearer(token_for(settings, victim, kind, expires_in=-30))
            expected = (401, {"msg": "Token has expired"})
        elif condition == "revoked":
            token = token_for(settings, victim, kind)
            _start_write(db)
            tokens.revoke(db, tokens.decode(token, secret=settings.JWT_SECRET_KEY or "", refresh=kind == "refresh"))
            db.commit()
            headers, expected = _bearer(token), (401, {"msg": "Token has been revoked"})
        else:
            _start_write(db)
            stale = make_user(db, "admin")
            headers = _bearer(token_for(settings, stale, kind))
            _start_write(db)
            if condition == "deleted":
                db.delete(stale)
            else:
                stale.is_active = False
            db.commit()
            expected = (401, STALE)
        legacy, v2 = _both(api, route.method, _path(route.legacy_rule, world), headers)
        for response in (legacy, v2):
            assert (response.status_code, response.json()) == expected, (route.key, response.request.url)
        checked += 1
    assert checked == 45


def _expected_for(key: str, role: str) -> int | None:
    """The documented refusal for a viewer or a user who owns nothing; None = allowed."""
    if key in ADMIN_ONLY or key in SELF_OR_ADMIN or key in OWNER_OR_ADMIN or key in NOTIFICATION_OWNER:
        return 403
    if key in WRITERS_ONLY:
        return 403 if role == "viewer" else None
    return None


@pytest.mark.parametrize("who", ["viewer", "other"])
def test_roles_and_ownership_on_every_route(
    who: str, api: TestClient, settings: Settings, db: Session, world: World
) -> None:
    actor: User = world.viewer if who == "viewer" else world.other
    for route in api_routes(api):
        if route.key in PUBLIC:
            continue
        kind = _token_kind(route.key)
        legacy, v2 = _both(
            api, route.method, _path(route.legacy_rule, world), lambda kind=kind: _bearer(token_for(settings, actor, kind))
        )
        assert legacy.status_code == v2.status_code, route.key
        if legacy.status_code >= 400:  # successes may differ: the first call changed state
            assert legacy.json() == v2.json(), route.key
        expected = _expected_for(route.key, actor.role)
        if expected is None:
            assert legacy.status_code < 500 and legacy.status_code not in (401, 403), (route.key, legacy.json())
        else:
            assert legacy.status_code == expected, (route.key, legacy.json())
    # Nothing of the owner's changed hands: their job and notification are still there.
    assert api.get(f"/api/jobs/{world.job_id}", headers=_bearer(token_for(settings, world.admin))).status_code == 200


def test_no_route_shows_another_users_private_rows(
    api: TestClient, settings: Settings, db: Session, world: World
) -> None:
    """Every GET, as a viewer and as another user: the owner's e-mail, notifications and
    preferences never appear."""
    owner_note = world.notification_ids[world.owner.username]
    secrets = (world.owner.email, owner_note, f"private-{world.owner.username}")
    for actor in (world.viewer, world.other):
        headers = _bearer(token_for(settings, actor))
        for route in api_routes(api):
            if route.method != "GET":
                continue
            legacy, v2 = _both(api, "GET", _path(route.legacy_rule, world), headers)
            for response in (legacy, v2):
                text = response.text
                leaked = [secret for secret in secrets if secret in text]
                assert not leaked, (route.key, actor.username, leaked)
                if "preferences" in route.legacy_rule:
                    assert response.status_code == 403


def _forged(settings: Settings, user: User, *, alg: str, key: str) -> str:
    claims = tokens.decode(token_for(settings, user), secret=settings.JWT_SECRET_KEY or "")
    if alg == "none":
        def part(value: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
    return jwt.encode(claims, key, algorithm=alg)


@pytest.mark.parametrize(
    ("alg", "key", "expected"),
    [
        ("none", "", {"msg": "The specified alg value is not allowed"}),
        ("HS256", "another-key-that-is-long-enough-for-hs256-x", {"msg": "Signature verification failed"}),
        ("HS512", "test-secret-key-that-is-long-enough-for-hs256", {"msg": "The specified alg value is not allowed"}),
    ],
)
def test_forged_tokens_are_refused(
    alg: str, key: str, expected: dict[str, str], api: TestClient, settings: Settings, world: World
) -> None:
    token = _forged(settings, world.admin, alg=alg, key=key)
    for path in ("/api/auth/me", "/api/auth/users", "/api/jobs"):
        legacy, v2 = _both(api, "GET", path, _bearer(token))
        for response in (legacy, v2):
            assert (response.status_code, response.json()) == (422, expected), (path, alg)
