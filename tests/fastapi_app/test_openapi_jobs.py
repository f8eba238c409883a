"""/api/v2/openapi.json documents the jobs routes (§3.5.1–§3.5.6): success body, the
error statuses each can answer, the list's query parameters, the JSON or multipart
request body, the bearer security; and the bodies the routes really send fit the
documented schemas. Plus what only v2 can be asked: a chunked upload over the limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from fastapi_app.schemas.jobs import (
    BulkRowError,
    BulkStats,
    BulkUploadResult,
    DeletedJobRef,
    JobDeleted,
    JobEnvelope,
    JobList,
    JobRead,
    JobSaved,
    JobWithSchedule,
)
from shared_models.clock import utcnow
from shared_models.models import Job
from shared_models.settings import Settings
from tests.helpers import bearer, make_execution, make_team, make_user

TOKEN = {"401", "422"}
LIST_QUERY = {"page", "per_page", "category", "pic_team", "is_active", "search", "sort_by", "sort_order"}

# (method, path, success status, success schema, error statuses, request body media type)
ROUTES: list[tuple[str, str, str, type[BaseModel], set[str], str | None]] = [
    ("get", "/api/v2/jobs", "200", JobList, TOKEN | {"400"}, None),
    ("post", "/api/v2/jobs", "201", JobSaved, TOKEN | {"400", "403", "413"}, "application/json"),
    ("get", "/api/v2/jobs/{job_id}", "200", JobEnvelope, TOKEN | {"404"}, None),
    ("put", "/api/v2/jobs/{job_id}", "200", JobSaved, TOKEN | {"400", "403", "404", "413"}, "application/json"),
    ("delete", "/api/v2/jobs/{job_id}", "200", JobDeleted, TOKEN | {"403", "404"}, None),
    ("post", "/api/v2/jobs/bulk-upload", "200", BulkUploadResult, TOKEN | {"400", "403", "413"}, "multipart/form-data"),
]


@pytest.fixture
def spec(v2_client: TestClient) -> dict[str, Any]:
    response = v2_client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r[0].upper()} {r[1]}" for r in ROUTES])
def test_route_is_documented(spec: dict[str, Any], route: tuple) -> None:
    method, path, success, model, errors, media = route
    operation = spec["paths"][path][method]
    responses = operation["responses"]
    # Only the documented statuses: no FastAPI 422 "detail", no stray default 200.
    assert set(responses) == {success, "500"} | errors
    assert responses[success]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
    for status in errors:
        expected = "TokenErrorBody" if status in TOKEN else "ErrorBody"
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{expected}"}
    assert operation["security"] == [{"JWT": []}]
    assert operation["summary"]
    assert operation["tags"] == ["jobs"]
    if media is None:
        assert "requestBody" not in operation
    else:
        assert list(operation["requestBody"]["content"]) == [media]
    parameters = operation.get("parameters", [])
    assert all(parameter["schema"]["type"] == "string" for parameter in parameters)
    assert {p["name"] for p in parameters if p["in"] == "path"} == ({"job_id"} if "{job_id}" in path else set())
    assert {p["name"] for p in parameters if p["in"] == "query"} == (LIST_QUERY if path == "/api/v2/jobs" and method == "get" else set())


def test_request_bodies_list_their_fields(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    create = paths["/api/v2/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(create["required"]) == {"name", "cron_expression", "end_date"}
    assert {"target_url", "github_owner", "github_repo", "github_workflow_name", "metadata", "category",
            "pic_team", "notification_emails", "enable_email_notifications"} <= set(create["properties"])
    update = paths["/api/v2/jobs/{job_id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert "required" not in update and "is_active" in update["properties"]
    form = paths["/api/v2/jobs/bulk-upload"]["post"]["requestBody"]
    schema = form["content"]["multipart/form-data"]["schema"]
    assert form["required"] is True
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert set(schema["properties"]) == {"file", "default_github_owner", "dry_run", "mode"}
    assert all(schema["properties"][name]["type"] == "string" for name in schema["properties"])


def _fits(model: type[BaseModel], body: dict[str, Any]) -> None:
    """The body validates and uses only the schema's keys, every required one included."""
    model.model_validate(body)
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required <= set(body) <= set(model.model_fields), model.__name__


@pytest.fixture
def future(settings: Settings) -> str:
    return (utcnow().astimezone(settings.timezone).date() + timedelta(days=30)).isoformat()


@pytest.fixture
def owner_auth(db: Session, settings: Settings) -> Iterator[dict[str, str]]:
    make_team(db)
    yield bearer(settings, make_user(db, "user"))


def test_success_bodies_match_the_documented_schemas(
    db: Session, settings: Settings, v2_client: TestClient, owner_auth: dict[str, str], future: str
) -> None:
    created = v2_client.post("/api/v2/jobs", headers=owner_auth, json={
        "name": "hook", "cron_expression": "0 9 * * *", "end_date": future, "pic_team": "qa-team",
        "target_url": "https://hooks.example.com/x", "metadata": {"k": 1},
    })
    assert created.status_code == 201, created.text
    _fits(JobSaved, created.json())
    _fits(JobRead, created.json()["job"])
    job_id = created.json()["job"]["id"]
    make_execution(db, db.get(Job, job_id))

    listed = v2_client.get("/api/v2/jobs", headers=owner_auth).json()
    _fits(JobList, listed)
    _fits(JobWithSchedule, listed["jobs"][0])
    assert listed["jobs"][0]["last_execution_at"] is not None
    paged = v2_client.get("/api/v2/jobs?page=1&per_page=5", headers=owner_auth).json()
    _fits(JobList, paged)
    assert (paged["total"], paged["page"], paged["per_page"], paged["total_pages"]) == (1, 1, 5, 1)
    _fits(JobEnvelope, v2_client.get(f"/api/v2/jobs/{job_id}", headers=owner_auth).json())
    updated = v2_client.put(f"/api/v2/jobs/{job_id}", headers=owner_auth, json={"is_active": False}).json()
    _fits(JobSaved, updated)
    assert updated["message"] == "Job updated successfully"

    csv = (f"name,cron,target_url,end_date,pic_team\nnew,0 9 * * *,https://hooks.example.com/y,{future},qa-team\n"
           f"bad,61 * * * *,https://hooks.example.com/y,{future},qa-team\n").encode()
    for dry_run in ("1", ""):
        uploaded = v2_client.post("/api/v2/jobs/bulk-upload", headers=owner_auth,
                                  files={"file": ("jobs.csv", csv)}, data={"dry_run": dry_run})
        assert uploaded.status_code == 200, uploaded.text
        body = uploaded.json()
        _fits(BulkUploadResult, body)
        _fits(BulkStats, body["stats"])
        _fits(BulkRowError, body["errors"][0])
        assert (body["dry_run"], body["created_count"], body["error_count"]) == (dry_run == "1", 1, 1)

    deleted = v2_client.delete(f"/api/v2/jobs/{job_id}", headers=owner_auth).json()
    _fits(JobDeleted, deleted)
    _fits(DeletedJobRef, deleted["deleted_job"])


def test_chunked_upload_over_the_limit_is_413_and_writes_nothing(
    db: Session, settings: Settings, v2_client: TestClient, owner_auth: dict[str, str]
) -> None:
    """No Content-Length (chunked): the body is refused while it streams, with the same
    413 body the declared-length check gives (Werkzeug limits chunked bodies too)."""
    limit = max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES)
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nname\n'

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    response = v2_client.post("/api/v2/jobs/bulk-upload", content=chunks(),
                              headers={**owner_auth, "Content-Type": "multipart/form-data; boundary=b"})
    assert "content-length" not in {key.lower() for key in response.request.headers}
    assert (response.status_code, response.json()) == (
        413, {"error": "Payload too large", "message": f"Request body exceeds the limit of {limit} bytes."}
    )
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Job)) == 0


def test_upload_is_refused_before_its_body_is_read_for_bad_tokens_and_roles(
    db: Session, settings: Settings, v2_client: TestClient
) -> None:
    """Token, then role, then the body (as the legacy decorator orders them): an oversized
    upload from a viewer is a 403, not a 413."""
    make_team(db)
    viewer = bearer(settings, make_user(db, "viewer"))
    oversized = {"Content-Type": "multipart/form-data; boundary=b",
                 "Content-Length": str(max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES) + 1)}
    assert v2_client.post("/api/v2/jobs/bulk-upload", content=b"--b--\r\n", headers=oversized).status_code == 401
    response = v2_client.post("/api/v2/jobs/bulk-upload", content=b"--b--\r\n", headers={**viewer, **oversized})
    assert response.status_code == 403
    assert response.json()["error"] == "Insufficient permissions"
    # The same declared length from a user who may upload: refused before reading.
    owner = bearer(settings, make_user(db, "user"))
    response = v2_client.post("/api/v2/jobs/bulk-upload", content=b"--b--\r\n", headers={**owner, **oversized})
    assert response.status_code == 413
    assert response.json()["error"] == "Payload too large"
