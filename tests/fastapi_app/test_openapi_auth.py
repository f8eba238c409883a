"""/api/v2/openapi.json documents the 12 account routes (§3.1): their success body, the
error statuses each can answer, the JSON body they read, and the bearer security; and
the bodies the routes really send match the documented schemas."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from fastapi_app.schemas.preferences import NotificationPreferencesEnvelope, UiPreferencesEnvelope
from fastapi_app.schemas.tokens import LoginRead, RefreshRead
from fastapi_app.schemas.users import RegisterRead, UserDeleteRead, UserEnvelope, UserList, UserUpdateRead
from shared_models.settings import Settings
from tests.helpers import PASSWORD, bearer, make_user

TOKEN = {"401", "422"}
ROLE = TOKEN | {"403"}
BODY = {"400", "413"}

# (method, path, success status, success schema, error statuses, bearer?, request body?)
ROUTES: list[tuple[str, str, str, type[BaseModel], set[str], bool, bool]] = [
    ("post", "/api/v2/auth/register", "201", RegisterRead, ROLE | BODY | {"409"}, True, True),
    ("post", "/api/v2/auth/login", "200", LoginRead, BODY | {"401", "429"}, False, True),
    ("post", "/api/v2/auth/refresh", "200", RefreshRead, TOKEN, True, False),
    ("get", "/api/v2/auth/me", "200", UserEnvelope, TOKEN, True, False),
    ("get", "/api/v2/auth/users", "200", UserList, ROLE, True, False),
    ("get", "/api/v2/auth/users/{user_id}", "200", UserEnvelope, TOKEN | {"403", "404"}, True, False),
    ("put", "/api/v2/auth/users/{user_id}", "200", UserUpdateRead, TOKEN | BODY | {"403", "404", "409"}, True, True),
    ("delete", "/api/v2/auth/users/{user_id}", "200", UserDeleteRead, ROLE | {"400", "404"}, True, False),
    ("get", "/api/v2/auth/users/{user_id}/preferences", "200", NotificationPreferencesEnvelope,
     TOKEN | {"403", "404"}, True, False),
    ("put", "/api/v2/auth/users/{user_id}/preferences", "200", NotificationPreferencesEnvelope,
     TOKEN | BODY | {"403", "404"}, True, True),
    ("get", "/api/v2/auth/users/{user_id}/ui-preferences", "200", UiPreferencesEnvelope,
     TOKEN | {"403", "404"}, True, False),
    ("put", "/api/v2/auth/users/{user_id}/ui-preferences", "200", UiPreferencesEnvelope,
     TOKEN | BODY | {"403", "404"}, True, True),
]


@pytest.fixture
def spec(v2_client: TestClient) -> dict[str, Any]:
    response = v2_client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r[0].upper()} {r[1]}" for r in ROUTES])
def test_route_is_documented(spec: dict[str, Any], route: tuple) -> None:
    method, path, success, model, errors, secured, has_body = route
    operation = spec["paths"][path][method]
    responses = operation["responses"]
    # Only the documented success status: no stray FastAPI 200 beside a 201, no 422 "detail".
    assert set(responses) == {success, "500"} | errors
    schema = responses[success]["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}
    for status in errors:
        error_schema = responses[status]["content"]["application/json"]["schema"]["$ref"]
        expected = "TokenErrorBody" if status in TOKEN and secured else "ErrorBody"
        assert error_schema == f"#/components/schemas/{expected}", status
    if secured:
        assert operation["security"] == [{"JWT": []}]
    else:
        assert "security" not in operation
    if has_body:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["type"] == "object" and body["properties"]
        assert "$ref" not in str(body)  # inlined: a `#/$defs/...` ref would not resolve here
    else:
        assert "requestBody" not in operation
    # Path parameters are plain strings FastAPI cannot refuse (no 422 from validation).
    for parameter in operation.get("parameters", []):
        assert (parameter["in"], parameter["schema"]["type"]) == ("path", "string")


def test_auth_routes_are_tagged_and_summarised(spec: dict[str, Any]) -> None:
    for _method, path, *_ in ROUTES:
        for operation in spec["paths"][path].values():
            assert operation["summary"] and operation["tags"] in (["auth"], ["users"])


def test_request_body_documents_the_fields(spec: dict[str, Any]) -> None:
    register = spec["paths"]["/api/v2/auth/register"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(register["required"]) == {"username", "email", "password"}
    ui = spec["paths"]["/api/v2/auth/users/{user_id}/ui-preferences"]["put"]["requestBody"]
    columns = ui["content"]["application/json"]["schema"]["properties"]["jobs_table_columns"]
    assert set(columns["properties"]) == {"pic_team", "end_date", "cron_expression", "target_url", "last_execution_at"}


def _validate(model: type[BaseModel], body: dict[str, Any]) -> None:
    """The body fits the documented schema: every required key, no undocumented one."""
    model.model_validate(body)
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required <= set(body) <= set(model.model_fields)


def test_success_bodies_match_the_documented_schemas(db: Session, settings: Settings, v2_client: TestClient) -> None:
    admin = make_user(db, "admin")
    other = make_user(db, "user")
    auth = bearer(settings, admin)
    base = "/api/v2/auth"

    registered = v2_client.post(f"{base}/register", json={"username": "new_one", "email": "n@example.com",
                                                          "password": "abcdef"}, headers=auth)
    assert registered.status_code == 201
    _validate(RegisterRead, registered.json())
    login = v2_client.post(f"{base}/login", json={"username": admin.username, "password": PASSWORD})
    _validate(LoginRead, login.json())
    refreshed = v2_client.post(f"{base}/refresh", headers={"Authorization": f"Bearer {login.json()['refresh_token']}"})
    _validate(RefreshRead, refreshed.json())
    settings.REFRESH_TOKEN_ROTATION = True  # D20 opt-in: the answer adds the optional refresh_token
    rotated = v2_client.post(f"{base}/refresh", headers={"Authorization": f"Bearer {login.json()['refresh_token']}"})
    _validate(RefreshRead, rotated.json())
    assert set(rotated.json()) == {"access_token", "refresh_token"}
    _validate(UserEnvelope, v2_client.get(f"{base}/me", headers=auth).json())
    _validate(UserList, v2_client.get(f"{base}/users", headers=auth).json())
    _validate(UserEnvelope, v2_client.get(f"{base}/users/{other.id}", headers=auth).json())
    updated = v2_client.put(f"{base}/users/{other.id}", json={"role": "viewer", "is_active": True}, headers=auth)
    _validate(UserUpdateRead, updated.json())
    for method in ("get", "put"):
        kwargs: dict[str, Any] = {"json": {"daily_digest": True}} if method == "put" else {}
        prefs = v2_client.request(method, f"{base}/users/{other.id}/preferences", headers=auth, **kwargs)
        assert prefs.status_code == 200
        _validate(NotificationPreferencesEnvelope, prefs.json())
        kwargs = {"json": {"jobs_table_columns": {"target_url": True}}} if method == "put" else {}
        ui = v2_client.request(method, f"{base}/users/{other.id}/ui-preferences", headers=auth, **kwargs)
        assert ui.status_code == 200
        _validate(UiPreferencesEnvelope, ui.json())
    deleted = v2_client.delete(f"{base}/users/{other.id}", headers=auth)
    _validate(UserDeleteRead, deleted.json())
