"""/api/v2/openapi.json documents the 12 execution and notification routes (§3.6, §3.7):
their success body, the error statuses each can answer, their query parameters, the
bearer security; the bodies the routes really send match the documented schemas; and
the NUL guard answers before routing (HEAD included, CORS headers kept)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from fastapi_app.schemas.executions import (
    ExecutionEnvelope,
    ExecutionPage,
    ExecutionRead,
    ExecutionStatistics,
    ExecutionWithJobRead,
    JobExecutionDetail,
    JobExecutionList,
    JobExecutionStats,
    RangeRead,
)
from fastapi_app.schemas.notifications import (
    AllMarkedRead,
    NotificationDeleted,
    NotificationMarkedRead,
    NotificationPage,
    NotificationRead,
    ReadDeleted,
    UnreadCount,
)
from shared_models.settings import Settings
from tests.helpers import bearer, make_execution, make_job, make_notification, make_user

TOKEN = {"401", "422"}
DATES = {"from", "to"}

# (method, path, success schema, error statuses, query parameters)
ROUTES: list[tuple[str, str, type[BaseModel], set[str], set[str]]] = [
    ("get", "/api/v2/jobs/{job_id}/executions", JobExecutionList, TOKEN | {"400", "404"},
     {"limit", "status", "trigger_type"} | DATES),
    ("get", "/api/v2/jobs/{job_id}/executions/stats", JobExecutionStats, TOKEN | {"404"}, set()),
    ("get", "/api/v2/jobs/{job_id}/executions/{execution_id}", JobExecutionDetail, TOKEN | {"404"}, set()),
    ("get", "/api/v2/executions", ExecutionPage, TOKEN | {"400"},
     {"page", "limit", "per_page", "job_id", "status", "trigger_type", "execution_type"} | DATES),
    ("get", "/api/v2/executions/statistics", ExecutionStatistics, TOKEN | {"400"}, {"job_id"} | DATES),
    ("get", "/api/v2/executions/{execution_id}", ExecutionEnvelope, TOKEN | {"404"}, set()),
    ("get", "/api/v2/notifications", NotificationPage, TOKEN | {"400"}, {"page", "per_page", "unread_only"} | DATES),
    ("get", "/api/v2/notifications/unread-count", UnreadCount, TOKEN | {"400"}, DATES),
    ("put", "/api/v2/notifications/{notification_id}/read", NotificationMarkedRead, TOKEN | {"403", "404"}, set()),
    ("put", "/api/v2/notifications/read-all", AllMarkedRead, TOKEN, set()),
    ("delete", "/api/v2/notifications/{notification_id}", NotificationDeleted, TOKEN | {"403", "404"}, set()),
    ("delete", "/api/v2/notifications/delete-read", ReadDeleted, TOKEN | {"400"}, DATES),
]


@pytest.fixture
def spec(v2_client: TestClient) -> dict[str, Any]:
    response = v2_client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r[0].upper()} {r[1]}" for r in ROUTES])
def test_route_is_documented(spec: dict[str, Any], route: tuple) -> None:
    method, path, model, errors, query = route
    operation = spec["paths"][path][method]
    responses = operation["responses"]
    # Only the documented statuses: no FastAPI 422 "detail", no stray default 200 schema.
    assert set(responses) == {"200", "500"} | errors
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
    for status in errors:
        expected = "TokenErrorBody" if status in TOKEN else "ErrorBody"
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{expected}"}, status
    assert operation["security"] == [{"JWT": []}]
    assert operation["summary"]
    assert operation["tags"] == (["notifications"] if "/notifications" in path else ["executions"])
    assert "requestBody" not in operation
    parameters = operation.get("parameters", [])
    # Every parameter is a string FastAPI cannot refuse (the services read them); the
    # schema may narrow its text (`from`/`to`: a date, an instant or blank).
    for parameter in parameters:
        alternatives = parameter["schema"].get("anyOf", [parameter["schema"]])
        assert {alternative["type"] for alternative in alternatives} == {"string"}, parameter["name"]
    dated = {p["name"]: p["schema"] for p in parameters if p["name"] in ("from", "to")}
    for schema in dated.values():
        assert [a.get("format") for a in schema["anyOf"]] == ["date", "date-time", None]
    path_names = {part.strip("{}") for part in path.split("/") if part.startswith("{")}
    assert {p["name"] for p in parameters if p["in"] == "path"} == path_names
    assert {p["name"] for p in parameters if p["in"] == "query"} == query


def test_range_is_documented_with_its_json_key(spec: dict[str, Any]) -> None:
    """`from` is a Python keyword; the schema must still say `from`, as the body does."""
    range_schema = spec["components"]["schemas"]["RangeRead"]
    assert set(range_schema["properties"]) == {"from", "to"}


def _validate(model: type[BaseModel], body: dict[str, Any]) -> None:
    """The body fits the documented schema and has exactly its (JSON) keys, recursively
    for nested models."""
    model.model_validate(body)
    keys = {field.alias or name for name, field in model.model_fields.items()}
    assert set(body) == keys, model.__name__


def test_literal_routes_are_declared_before_id_routes(v2_client: TestClient) -> None:
    """FastAPI matches in declaration order; each literal must precede its `{id}` sibling."""
    routes = iter_route_contexts(list(v2_client.app.routes))  # type: ignore[attr-defined]
    paths = [getattr(route, "path", "") for route in routes]
    for literal, variable in (
        ("/api/v2/executions/statistics", "/api/v2/executions/{execution_id}"),
        ("/api/v2/jobs/{job_id}/executions/stats", "/api/v2/jobs/{job_id}/executions/{execution_id}"),
        ("/api/v2/notifications/delete-read", "/api/v2/notifications/{notification_id}"),
    ):
        assert paths.index(literal) < paths.index(variable)


def test_success_bodies_match_the_documented_schemas(db: Session, settings: Settings, v2_client: TestClient) -> None:
    user = make_user(db, "user")
    auth = bearer(settings, user)
    job = make_job(db, created_by=user)
    execution = make_execution(db, job)
    unread = make_notification(db, user, related_job_id=job.id, related_execution_id=execution.id)
    other = make_notification(db, user)

    def get(path: str) -> dict[str, Any]:
        response = v2_client.get(path, headers=auth)
        assert response.status_code == 200, response.text
        return response.json()

    listed = get(f"/api/v2/jobs/{job.id}/executions")
    _validate(JobExecutionList, listed)
    assert listed["executions"] and listed["executions"][0]["id"] == execution.id
    stats = get(f"/api/v2/jobs/{job.id}/executions/stats")
    _validate(JobExecutionStats, stats)
    assert stats["latest_execution"] is not None
    _validate(JobExecutionDetail, get(f"/api/v2/jobs/{job.id}/executions/{execution.id}"))
    page = get("/api/v2/executions")
    _validate(ExecutionPage, page)
    _validate(ExecutionWithJobRead, page["executions"][0])
    _validate(ExecutionRead, listed["executions"][0])
    _validate(ExecutionEnvelope, get(f"/api/v2/executions/{execution.id}"))
    statistics = get("/api/v2/executions/statistics?from=2020-01-01&to=2100-01-01")
    _validate(ExecutionStatistics, statistics)
    _validate(RangeRead, statistics["range"])
    assert statistics["range"]["from"] == "2020-01-01T00:00:00.000Z"

    notifications = get("/api/v2/notifications")
    _validate(NotificationPage, notifications)
    assert notifications["total"] == 2
    _validate(NotificationRead, notifications["notifications"][0])
    _validate(UnreadCount, get("/api/v2/notifications/unread-count"))
    marked = v2_client.put(f"/api/v2/notifications/{unread.id}/read", headers=auth)
    _validate(NotificationMarkedRead, marked.json())
    _validate(AllMarkedRead, v2_client.put("/api/v2/notifications/read-all", headers=auth).json())
    deleted = v2_client.delete(f"/api/v2/notifications/{other.id}", headers=auth)
    _validate(NotificationDeleted, deleted.json())
    read_deleted = v2_client.delete("/api/v2/notifications/delete-read", headers=auth).json()
    _validate(ReadDeleted, read_deleted)
    assert read_deleted == {"deleted_count": 1}


def test_nul_guard_keeps_cors_and_head_rules(settings: Settings, v2_client: TestClient) -> None:
    """The guard sits inside the CORS and HEAD middlewares: a refused request still gets
    its CORS headers, and HEAD gets the status without a body."""
    origin = settings.cors_origins[0]
    refused = v2_client.get("/api/v2/executions?status=%00", headers={"Origin": origin})
    assert refused.status_code == 400
    assert refused.json() == {"error": "Invalid payload", "message": "Text must not contain NUL characters."}
    assert refused.headers["access-control-allow-origin"] in (origin, "*")
    head = v2_client.head("/api/v2/executions/%00")
    assert (head.status_code, head.content) == (404, b"")
    # An unknown path holding NUL is the same generic 404.
    unknown = v2_client.get("/api/v2/nowhere%00")
    assert unknown.json() == {"error": "Not found", "message": "The requested URL was not found."}
