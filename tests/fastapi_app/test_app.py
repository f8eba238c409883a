"""The v2 foundation: legacy JSON errors, HEAD/OPTIONS, CORS, sessions, body, docs.

The side-by-side comparisons with the legacy stack (404/405/HEAD/OPTIONS, jsonify bytes,
health, Flask-CORS headers) are in tests/migration/test_app_like_flask.py: they go with
Flask, these stay.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from fastapi_app import create_app
from fastapi_app.deps import (
    AdminUser,
    CurrentUser,
    JsonBodyDep,
    SessionDep,
    WriteSessionDep,
    call,
    require_roles,
)
from shared_models.contracts import contract_error
from shared_models.db import WRITE_OPTION
from shared_models.errors import ApiError
from shared_models.models import RevokedToken, User
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import bearer, make_user

NOT_FOUND = {"error": "Not found", "message": "The requested URL was not found."}


# --- D2: JSON 404 / 405 and HEAD -------------------------------------------------------


def test_paths_outside_api_v2_are_json_404_too(v2_client: TestClient) -> None:
    response = v2_client.get("/somewhere")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_405_lists_the_methods_of_every_route_on_the_path(v2_app: FastAPI, v2_client: TestClient) -> None:
    @v2_app.get("/api/v2/_test/thing")
    async def read_thing() -> dict[str, Any]:
        return {}

    @v2_app.put("/api/v2/_test/thing")
    async def put_thing() -> dict[str, Any]:
        return {}

    response = v2_client.delete("/api/v2/_test/thing")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, PUT"
    assert response.json()["message"] == "The method DELETE is not allowed for the requested URL."


def test_head_on_a_post_only_route_names_head(v2_client: TestClient) -> None:
    response = v2_client.head("/api/v2/auth/logout")

    assert response.status_code == 405
    assert response.headers["allow"] == "OPTIONS, POST"


# --- responses: Flask's jsonify bytes ------------------------------------------------


def test_routes_returning_dicts_use_the_legacy_json(v2_app: FastAPI, v2_client: TestClient) -> None:
    @v2_app.get("/api/v2/_test/dict")
    async def a_dict() -> dict[str, Any]:
        return {"zeta": "→", "alpha": 1}

    response = v2_client.get("/api/v2/_test/dict")

    assert response.content == b'{"alpha":1,"zeta":"\\u2192"}\n'


# --- errors --------------------------------------------------------------------------


def test_api_error_renders_status_body_and_headers(v2_app: FastAPI, v2_client: TestClient) -> None:
    @v2_app.get("/api/v2/_test/api-error")
    async def api_error() -> dict[str, Any]:
        error = ApiError(409, "Job is inactive", "Enable the job before running it.", job_id="j1")
        error.headers["Retry-After"] = "5"
        raise error

    response = v2_client.get("/api/v2/_test/api-error")

    assert response.status_code == 409
    assert response.json() == {"error": "Job is inactive", "message": "Enable the job before running it.", "job_id": "j1"}
    assert response.headers["retry-after"] == "5"


class _Thing(BaseModel):
    name: str
    count: int = 0
    flags: dict[str, bool] = {}


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"{", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        (b"[1]", {"error": "Invalid payload", "message": "JSON body must be an object."}),
        (b"{}", {"error": "Missing required fields", "message": '"name" is required.'}),
        (b'{"name": null}', {"error": "Invalid payload", "message": '"name" must be a string.'}),
        (b'{"name": "x", "count": "many"}', {"error": "Invalid payload", "message": '"count" must be an integer.'}),
        (b'{"name": "x", "flags": []}', {"error": "Invalid payload", "message": '"flags" must be an object.'}),
        (b'{"name": "x", "flags": {"a": "b"}}', {"error": "Invalid payload", "message": '"flags.a" must be a boolean.'}),
    ],
)
def test_validation_errors_are_400_in_the_d1_shape(
    raw: bytes, body: dict[str, str], v2_app: FastAPI, v2_client: TestClient
) -> None:
    @v2_app.post("/api/v2/_test/thing")
    async def make_thing(thing: _Thing) -> dict[str, Any]:
        return thing.model_dump()

    response = v2_client.post("/api/v2/_test/thing", content=raw, headers={"Content-Type": "application/json"})

    assert (response.status_code, response.json()) == (400, body)


def test_query_validation_errors_are_400(v2_app: FastAPI, v2_client: TestClient) -> None:
    @v2_app.get("/api/v2/_test/page")
    async def page(page: int = 1) -> dict[str, Any]:
        return {"page": page}

    response = v2_client.get("/api/v2/_test/page?page=x")

    assert (response.status_code, response.json()) == (
        400, {"error": "Invalid payload", "message": '"page" must be an integer.'}
    )


def test_validation_body_of_an_unknown_error_type_names_the_field() -> None:
    error = contract_error([{"type": "too_long", "loc": ("body", "name"), "msg": "String too long."}])

    assert (error.status, error.body) == (400, {"error": "Invalid payload", "message": '"name": String too long.'})


def _faulty_app(settings: Settings, v2_app: FastAPI | None = None) -> FastAPI:
    app = v2_app or create_app(settings, prepare=False)

    @app.get("/api/v2/_test/boom")
    async def boom() -> dict[str, Any]:
        raise RuntimeError("kaboom")

    return app


def test_a_fault_is_500_json_with_a_request_id(
    v2_app: FastAPI, v2_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    _faulty_app(v2_app.state.settings, v2_app)

    response = v2_client.get("/api/v2/_test/boom", headers={"Origin": "https://app.example"})

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "message", "request_id"}
    assert (body["error"], body["message"]) == ("Internal server error", "kaboom")
    assert len(body["request_id"]) == 12
    assert body["request_id"] in caplog.text and "kaboom" in caplog.text
    assert response.headers["access-control-allow-origin"] == "https://app.example"


def test_a_fault_hides_its_text_when_details_are_off(database_url: str, engine: Engine) -> None:
    settings = make_settings(database_url, EXPOSE_ERROR_DETAILS=False)
    with TestClient(_faulty_app(settings)) as v2_client:
        response = v2_client.get("/api/v2/_test/boom")

    assert response.status_code == 500
    assert response.json()["message"] == "Internal server error"


# --- CORS -------------------------------------------------------------------------


def _cors_headers(headers: Any) -> list[tuple[str, str]]:
    return sorted(
        (name.lower(), value) for name, value in headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    )


def test_cors_echoes_the_origin_with_credentials(v2_client: TestClient) -> None:
    response = v2_client.options(
        "/api/v2/auth/verify",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )

    assert response.status_code == 200
    assert dict(_cors_headers(response.headers)) == {
        "access-control-allow-origin": "https://app.example",
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "Content-Type",
        "access-control-allow-headers": "authorization",
        "access-control-allow-methods": "DELETE, GET, OPTIONS, POST, PUT",
        "access-control-max-age": "3600",
        "vary": "Origin",
    }


# --- sessions: one commit owner, write transactions ----------------------------------


def _write_mode(session: Session) -> bool:
    return bool(session.connection().get_execution_options().get(WRITE_OPTION))


def _add_revoked(session: Session, *, jti: str) -> None:
    session.add(RevokedToken(jti=jti, token_type="access"))
    session.flush()


def _jtis(db: Session) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(RevokedToken.jti)))


def test_session_commits_once_after_a_successful_route(v2_app: FastAPI, v2_client: TestClient, db: Session) -> None:
    @v2_app.post("/api/v2/_test/write")
    async def write(session: SessionDep) -> dict[str, Any]:
        await call(session, _add_revoked, jti="kept")
        return {"write_mode": await session.run_sync(_write_mode)}

    response = v2_client.post("/api/v2/_test/write")

    assert response.json() == {"write_mode": True}
    assert _jtis(db) == {"kept"}


def test_session_rolls_back_when_the_route_raises(v2_app: FastAPI, v2_client: TestClient, db: Session) -> None:
    @v2_app.post("/api/v2/_test/write-then-fail")
    async def write_then_fail(session: SessionDep) -> dict[str, Any]:
        await call(session, _add_revoked, jti="dropped")
        raise ApiError(400, "Nope")

    response = v2_client.post("/api/v2/_test/write-then-fail")

    assert (response.status_code, response.json()) == (400, {"error": "Nope"})
    assert _jtis(db) == set()


def test_get_reads_in_a_deferred_transaction(
    v2_app: FastAPI, v2_client: TestClient, settings: Settings, db: Session
) -> None:
    @v2_app.get("/api/v2/_test/read")
    async def read(user: CurrentUser, session: SessionDep) -> dict[str, Any]:
        return {"write_mode": await session.run_sync(_write_mode)}

    @v2_app.get("/api/v2/_test/get-or-create")
    async def get_or_create(user: CurrentUser, session: WriteSessionDep) -> dict[str, Any]:
        # The auth check read first, yet the transaction began as a write one.
        return {"write_mode": await session.run_sync(_write_mode)}

    router = APIRouter(prefix="/_test/included")

    @router.get("/get-or-create")
    async def included_get_or_create(session: WriteSessionDep) -> dict[str, Any]:
        return {"write_mode": await session.run_sync(_write_mode)}

    v2_app.include_router(router, prefix="/api/v2")
    headers = bearer(settings, make_user(db, "viewer"))
    modes = {path: v2_client.get(f"/api/v2/_test/{path}", headers=headers).json()["write_mode"]
             for path in ("read", "get-or-create", "included/get-or-create")}

    assert modes == {"read": False, "get-or-create": True, "included/get-or-create": True}


# --- request body ---------------------------------------------------------------------


def test_json_body_reaches_the_route_as_jsonbody(v2_app: FastAPI, v2_client: TestClient) -> None:
    @v2_app.post("/api/v2/_test/echo")
    async def echo(body: JsonBodyDep) -> dict[str, Any]:
        return {"is_json": body.is_json, "value": body.object()}

    good = v2_client.post("/api/v2/_test/echo", json={"a": "→"})
    not_json = v2_client.post("/api/v2/_test/echo", content=b"a=1", headers={"Content-Type": "text/plain"})

    assert good.json() == {"is_json": True, "value": {"a": "→"}}
    assert (not_json.status_code, not_json.json()) == (400, {"error": "Content-Type must be application/json"})


def test_a_body_over_the_limit_is_413(database_url: str, engine: Engine) -> None:
    settings = make_settings(database_url, MAX_JSON_BODY_BYTES=16)
    app = create_app(settings, prepare=False)

    @app.post("/api/v2/_test/echo")
    async def echo(body: JsonBodyDep) -> dict[str, Any]:
        return body.object()

    too_large = {"error": "Payload too large", "message": "Request body exceeds the limit of 16 bytes."}
    with TestClient(app) as v2_client:
        at_limit = v2_client.post("/api/v2/_test/echo", content=b'{"a": "1234567"}', headers={"Content-Type": "application/json"})
        over = v2_client.post("/api/v2/_test/echo", content=b'{"a": "12345678"}', headers={"Content-Type": "application/json"})
        chunked = v2_client.post(
            "/api/v2/_test/echo", content=iter([b'{"a": ', b'"12345678"}']), headers={"Content-Type": "application/json"}
        )

    assert (at_limit.status_code, at_limit.json()) == (200, {"a": "1234567"})
    assert (over.status_code, over.json()) == (413, too_large)
    assert (chunked.status_code, chunked.json()) == (413, too_large)


# --- roles ------------------------------------------------------------------------------


def test_roles_use_the_database_role(v2_app: FastAPI, v2_client: TestClient, settings: Settings, db: Session) -> None:
    @v2_app.get("/api/v2/_test/admin", dependencies=[Depends(require_roles("admin", "user"))])
    async def admin_or_user() -> dict[str, Any]:
        return {"ok": True}

    @v2_app.get("/api/v2/_test/admin-only")
    async def admin_only(admin: AdminUser) -> dict[str, Any]:
        return {"id": admin.id}

    demoted = make_user(db, "admin")
    headers = bearer(settings, demoted)  # the token says admin...
    demoted.role = "viewer"  # ...the database no longer does
    db.commit()
    admin = make_user(db, "admin")

    refused = v2_client.get("/api/v2/_test/admin", headers=headers)
    assert (refused.status_code, refused.json()) == (403, {
        "error": "Insufficient permissions",
        "message": "This endpoint requires one of the following roles: admin, user",
    })
    assert v2_client.get("/api/v2/_test/admin-only", headers=headers).status_code == 403
    allowed = v2_client.get("/api/v2/_test/admin-only", headers=bearer(settings, admin))
    assert (allowed.status_code, allowed.json()) == (200, {"id": admin.id})
    anonymous = v2_client.get("/api/v2/_test/admin")
    assert (anonymous.status_code, anonymous.json()) == (401, {"msg": "Missing Authorization Header"})


def test_role_dependency_returns_the_user(v2_app: FastAPI, v2_client: TestClient, settings: Settings, db: Session) -> None:
    @v2_app.get("/api/v2/_test/whoami")
    async def whoami(user: Annotated[User, Depends(require_roles("viewer"))]) -> dict[str, Any]:
        return {"username": user.username}

    viewer = make_user(db, "viewer")

    response = v2_client.get("/api/v2/_test/whoami", headers=bearer(settings, viewer))

    assert response.json() == {"username": viewer.username}


# --- OpenAPI ----------------------------------------------------------------------------


def test_openapi_documents_the_routes_and_the_bearer_scheme(v2_client: TestClient) -> None:
    spec = v2_client.get("/api/v2/openapi.json").json()

    assert {"/api/v2/health", "/api/v2/auth/login/form", "/api/v2/auth/logout", "/api/v2/auth/verify"} <= set(spec["paths"])
    scheme = spec["components"]["securitySchemes"]["JWT"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v2/auth/login/form"
    assert spec["paths"]["/api/v2/auth/verify"]["get"]["security"] == [{"JWT": []}]
    assert spec["paths"]["/api/v2/auth/logout"]["post"]["security"] == [{"JWT": []}]
    # The read path's scheme (deps.ReadTokenClaims) is the same "JWT" scheme.
    assert spec["paths"]["/api/v2/jobs"]["get"]["security"] == [{"JWT": []}]
    assert spec["paths"]["/api/v2/jobs/{job_id}"]["get"]["security"] == [{"JWT": []}]
    assert scheme["description"].startswith("Access token from POST /api/v2/auth/login")
    assert "security" not in spec["paths"]["/api/v2/health"]["get"]
    assert "security" not in spec["paths"]["/api/v2/auth/login/form"]["post"]
    form = spec["paths"]["/api/v2/auth/login/form"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form
    assert "401" in spec["paths"]["/api/v2/auth/verify"]["get"]["responses"]
    json.dumps(spec)  # serialisable as it is served


@pytest.mark.parametrize("path", ["/api/v2/docs", "/api/v2/redoc"])
def test_docs_are_served(path: str, v2_client: TestClient) -> None:
    response = v2_client.get(path)

    assert response.status_code == 200
    assert "/api/v2/openapi.json" in response.text
