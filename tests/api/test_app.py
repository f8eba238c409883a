"""The factory's cross-cutting behaviour: JSON errors, CORS, health (D2, D16, §0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND, POSTGRES_URL, make_settings
from tests.stacks import ApiClient, stack_client


def test_unknown_path_is_json_404(client: ApiClient) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found", "message": "The requested URL was not found."}


def test_trailing_slash_is_404(client: ApiClient) -> None:
    response = client.get("/api/health/")
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "The requested URL was not found."})


def test_wrong_method_is_json_405_with_allow(client: ApiClient) -> None:
    response = client.post("/api/health")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method not allowed"
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/jobs/validate-cron", "OPTIONS, POST"),
        ("/api/jobs/cron-preview", "OPTIONS, POST"),
        ("/api/jobs/test-run", "OPTIONS, POST"),
        ("/api/jobs/bulk-upload", "OPTIONS, POST"),
        ("/api/notifications/read-all", "OPTIONS, PUT"),
        ("/api/notifications/unread-count", "GET, HEAD, OPTIONS"),
        ("/api/jobs/some-job-id", "DELETE, GET, HEAD, OPTIONS, PUT"),
    ],
)
def test_allow_lists_the_methods_of_the_most_specific_route(client: ApiClient, path: str, allow: str) -> None:
    """A literal path is its own resource: `/jobs/validate-cron` does not advertise the
    GET/PUT/DELETE of `/jobs/{job_id}`, on a 405 nor on OPTIONS (D2)."""
    refused = client.open(path, method="PATCH")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == allow
    options = client.open(path, method="OPTIONS")
    assert options.status_code == 200
    assert options.headers["Allow"] == allow


def test_health_reports_database_and_scheduler(client: ApiClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "healthy",
        "scheduler_running": False,
        "scheduled_jobs_count": 0,
        "database": "ok",
    }


def test_health_is_503_when_the_database_does_not_answer(stack: str, tmp_path: Path) -> None:
    if BACKEND == "postgresql":
        unreachable = make_url(POSTGRES_URL).set(database="cronjob_no_such_database").render_as_string(False)
    else:
        unreachable = f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it
    with stack_client(stack, make_settings(unreachable)) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unhealthy",
        "scheduler_running": False,
        "scheduled_jobs_count": 0,
        "database": "error",
    }


def test_cors_echoes_origin_with_credentials(client: ApiClient) -> None:
    response = client.options(
        "/api/health",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Max-Age"] == "3600"
