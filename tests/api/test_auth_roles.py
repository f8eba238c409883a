"""Role matrix of the 12 auth routes: anonymous, viewer (self), user (self / other), admin (§3.0, D6)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from shared_models.models import User, UserNotificationPreferences, UserUiPreferences
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import PASSWORD, bearer, make_user, table_rows
from tests.stacks import ApiClient

ACTORS = ("anonymous", "viewer", "user_self", "user_other", "admin")
ADMIN_ONLY = {"error": "Insufficient permissions", "message": "This endpoint requires one of the following roles: admin"}
MISSING_HEADER = {"msg": "Missing Authorization Header"}
FORBID_PROFILE_VIEW = {"error": "Forbidden. You can only view your own profile."}
FORBID_PROFILE_UPDATE = {"error": "Forbidden. You can only update your own profile."}
FORBID_READ = {"error": "Forbidden: Cannot access other users preferences"}
FORBID_WRITE = {"error": "Forbidden: Cannot update other users preferences"}

# (method, path, json body, {actor: status or (status, body)}); `{id}` is the acted-on user:
# the caller itself for viewer / user_self, another user for user_other, admin and anonymous.
ROUTES: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("POST", "/api/auth/register", "NEW_USER",
     {"viewer": (403, ADMIN_ONLY), "user_self": (403, ADMIN_ONLY), "user_other": (403, ADMIN_ONLY), "admin": 201}),
    ("GET", "/api/auth/me", None, {"viewer": 200, "user_self": 200, "user_other": 200, "admin": 200}),
    ("GET", "/api/auth/users", None,
     {"viewer": (403, ADMIN_ONLY), "user_self": (403, ADMIN_ONLY), "user_other": (403, ADMIN_ONLY), "admin": 200}),
    ("GET", "/api/auth/users/{id}", None,
     {"viewer": 200, "user_self": 200, "user_other": (403, FORBID_PROFILE_VIEW), "admin": 200}),
    ("PUT", "/api/auth/users/{id}", {"password": "another1"},
     {"viewer": 200, "user_self": 200, "user_other": (403, FORBID_PROFILE_UPDATE), "admin": 200}),
    ("DELETE", "/api/auth/users/{id}", None,
     {"viewer": (403, ADMIN_ONLY), "user_self": (403, ADMIN_ONLY), "user_other": (403, ADMIN_ONLY), "admin": 200}),
    ("GET", "/api/auth/users/{id}/preferences", None,
     {"viewer": 200, "user_self": 200, "user_other": (403, FORBID_READ), "admin": 200}),
    ("PUT", "/api/auth/users/{id}/preferences", {"daily_digest": True},
     {"viewer": 200, "user_self": 200, "user_other": (403, FORBID_WRITE), "admin": 200}),
    ("GET", "/api/auth/users/{id}/ui-preferences", None,
     {"viewer": 200, "user_self": 200, "user_other": (403, FORBID_READ), "admin": 200}),
    ("PUT", "/api/auth/users/{id}/ui-preferences", {"jobs_table_columns": {"end_date": False}},
     {"viewer": 200, "user_self": 200, "user_other": (403, FORBID_WRITE), "admin": 200}),
]


@pytest.fixture
def people(db: Session) -> dict[str, Any]:
    return {
        "viewer": make_user(db, "viewer"),
        "user": make_user(db, "user"),
        "other": make_user(db, "user"),
        "admin": make_user(db, "admin"),
    }


def _caller_and_target(actor: str, people: dict[str, Any]) -> tuple[Any, Any]:
    caller = {"anonymous": None, "viewer": people["viewer"], "user_self": people["user"],
              "user_other": people["user"], "admin": people["admin"]}[actor]
    target = caller if actor in ("viewer", "user_self") else people["other"]
    return caller, target


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path", "body", "outcomes"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_role_matrix(
    client: ApiClient, settings: Settings, people: dict, actor: str,
    method: str, path: str, body: Any, outcomes: dict,
) -> None:
    caller, target = _caller_and_target(actor, people)
    if body == "NEW_USER":
        body = {"username": "brand_new", "email": "brand_new@example.com", "password": "abcdef"}
    headers = bearer(settings, caller) if caller is not None else {}
    response = client.open(path.format(id=target.id), method=method, json=body, headers=headers)
    expected = (401, MISSING_HEADER) if actor == "anonymous" else outcomes[actor]
    status, expected_body = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status, response.get_json()
    if expected_body is not None:
        assert response.get_json() == expected_body


@pytest.mark.parametrize("role", ["viewer", "user", "admin"])
def test_login_is_public_for_every_role(client: ApiClient, db: Session, role: str) -> None:
    user = make_user(db, role)
    response = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200 and response.get_json()["user"]["role"] == role


@pytest.mark.parametrize("role", ["viewer", "user", "admin"])
def test_refresh_works_for_every_role(client: ApiClient, db: Session, settings: Settings, role: str) -> None:
    user = make_user(db, role)
    response = client.post("/api/auth/refresh", headers=bearer(settings, user, "refresh"))
    assert response.status_code == 200
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.get_json()['access_token']}"})
    assert (me.get_json()["user"]["id"], me.get_json()["user"]["role"]) == (user.id, role)


def test_admin_role_check_uses_the_database_role(client: ApiClient, db: Session, settings: Settings) -> None:
    promoted = make_user(db, "viewer")
    headers = bearer(settings, promoted)  # the token still says "viewer"
    promoted.role = "admin"
    db.commit()
    assert client.get("/api/auth/users", headers=headers).status_code == 200
    promoted.role = "user"
    db.commit()
    response = client.get("/api/auth/users", headers=headers)
    assert (response.status_code, response.get_json()) == (403, ADMIN_ONLY)


# --- HTTP layer: the same answers from both stacks (D2, body limit) ------------------------

BODY_ROUTES = [
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("PUT", "/api/auth/users/{id}"),
    ("PUT", "/api/auth/users/{id}/preferences"),
    ("PUT", "/api/auth/users/{id}/ui-preferences"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_body_over_the_limit_is_413_and_changes_nothing(
    client_for: Any, database_url: str, engine: Any, db: Session, method: str, path: str
) -> None:
    settings = make_settings(database_url, MAX_JSON_BODY_BYTES=64)
    admin = make_user(db, "admin")
    before = table_rows(db, User)
    raw = '{"username": "x", "password": "' + "p" * 64 + '"}'
    with client_for(settings) as limited:
        response = limited.open(path.format(id=admin.id), method=method, data=raw,
                                content_type="application/json", headers=bearer(settings, admin))
    assert (response.status_code, response.get_json()) == (
        413, {"error": "Payload too large", "message": "Request body exceeds the limit of 64 bytes."}
    )
    assert table_rows(db, User) == before
    assert table_rows(db, UserNotificationPreferences) == table_rows(db, UserUiPreferences) == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/auth/me", "GET, HEAD, OPTIONS"),
        ("GET", "/api/auth/login", "OPTIONS, POST"),
        ("GET", "/api/auth/refresh", "OPTIONS, POST"),
        ("PUT", "/api/auth/register", "OPTIONS, POST"),
        ("POST", "/api/auth/users", "GET, HEAD, OPTIONS"),
        ("PATCH", "/api/auth/users/some-id", "DELETE, GET, HEAD, OPTIONS, PUT"),
        ("DELETE", "/api/auth/users/some-id/preferences", "GET, HEAD, OPTIONS, PUT"),
        ("POST", "/api/auth/users/some-id/ui-preferences", "GET, HEAD, OPTIONS, PUT"),
    ],
)
def test_wrong_method_is_405_json_with_allow(client: ApiClient, method: str, path: str, allow: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.get_json() == {
        "error": "Method not allowed", "message": f"The method {method} is not allowed for the requested URL.",
    }
    assert response.headers["Allow"] == allow


@pytest.mark.parametrize("path", ["/api/auth/users/", "/api/auth/me/", "/api/auth/users/a/b", "/api/auth"])
def test_unknown_auth_paths_are_404_json(client: ApiClient, db: Session, settings: Settings, path: str) -> None:
    response = client.get(path, headers=bearer(settings, make_user(db, "admin")))
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "The requested URL was not found."}
    )


def test_head_of_a_get_route_runs_it_without_a_body(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "viewer")
    response = client.head(f"/api/auth/users/{user.id}/ui-preferences", headers=bearer(settings, user))
    assert (response.status_code, response.data) == (200, b"")
    # HEAD is served by the GET view, get-or-create included.
    assert [row["user_id"] for row in table_rows(db, UserUiPreferences)] == [user.id]
