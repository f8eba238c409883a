"""POST /api/jobs/test-run (§3.4.3, D1, D11, D12): a one-off call that writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.models import Job, JobExecution, Notification
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import bearer, make_user
from tests.local_http import LocalHTTPServer

URL = "/api/jobs/test-run"
GH_PATH = "/repos/acme/app/actions/workflows/ci.yml/dispatches"


def _counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Job, JobExecution, Notification))  # type: ignore[return-value]


@pytest.fixture
def user_headers(db: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(db, "user"))


@pytest.fixture
def strict_client(client_for: Callable[..., Any], database_url: str) -> Iterator[Any]:
    with client_for(make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")) as test_client:
        yield test_client


@pytest.fixture
def gh_client(client_for: Callable[..., Any], database_url: str, http_server: LocalHTTPServer) -> Iterator[Any]:
    overrides = {"GITHUB_API_URL": http_server.url("/"), "GITHUB_TOKEN": " tok "}
    with client_for(make_settings(database_url, **overrides)) as test_client:
        yield test_client


# --- roles ---------------------------------------------------------------------------------

def test_anonymous_is_401(client: Any) -> None:
    response = client.post(URL, json={"target_url": "https://example.com"})
    assert response.status_code == 401 and "msg" in response.get_json()


def test_viewer_is_403(client: Any, db: Session, settings: Settings) -> None:
    response = client.post(URL, json={}, headers=bearer(settings, make_user(db, "viewer")))
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "Insufficient permissions",
        "message": "This endpoint requires one of the following roles: admin, user",
    }


@pytest.mark.parametrize("role", ["user", "admin"])
def test_user_and_admin_may_test_run(
    client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer, role: str
) -> None:
    http_server.on("/hook", method="POST", body="ok")
    before = _counts(db)
    response = client.post(
        URL, json={"target_url": f" {http_server.url('/hook')} ", "metadata": {"a": 1}},
        headers=bearer(settings, make_user(db, role)),
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "ok": True, "type": "webhook", "status_code": 200, "message": "Webhook test run succeeded."
    }
    assert [request.json() for request in http_server.requests] == [{"a": 1}]
    assert _counts(db) == before


# --- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"data": "x", "content_type": "text/plain"}, {"error": "Content-Type must be application/json"}),
        ({"data": "{bad", "content_type": "application/json"},
         {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"json": [1]}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ({"json": {"target_url": 5}}, {"error": "Invalid payload", "message": '"target_url" must be a string.'}),
        ({"json": {"github_owner": ["a"]}}, {"error": "Invalid payload", "message": '"github_owner" must be a string.'}),
        ({"json": {"target_url": "https://example.com", "metadata": [1]}},
         {"error": "Invalid metadata", "message": '"metadata" must be an object.'}),
        ({"json": {"target_url": "  ", "github_owner": "a", "github_repo": "b"}},
         {"error": "Missing target configuration",
          "message": "Provide target_url or GitHub config (github_owner, github_repo, github_workflow_name)."}),
        ({"json": {"target_url": "https://example.com", "timeout_seconds": "soon"}},
         {"error": "Invalid payload", "message": '"timeout_seconds" must be a number.'}),
        ({"json": {"target_url": "ftp://example.com/x"}},
         {"error": "Invalid target_url", "message": "Webhook URL must start with http:// or https://"}),
    ],
)
def test_bad_input_is_400(client: Any, db: Session, user_headers: dict[str, str], kwargs, body) -> None:
    before = _counts(db)
    response = client.post(URL, headers=user_headers, **kwargs)
    assert response.status_code == 400
    assert response.get_json() == body
    assert _counts(db) == before


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/x", "https://10.1.2.3/x", "https://169.254.169.254/x", "https://[::1]/x",
            "https://localhost/x"],
)
def test_internal_target_refused(strict_client: Any, db: Session, settings: Settings, url: str) -> None:
    response = strict_client.post(URL, json={"target_url": url}, headers=bearer(settings, make_user(db)))
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Invalid target_url",
        "message": "Webhook URL must not point to a loopback, private, link-local or multicast address.",
    }


def test_plain_http_refused_unless_allow_listed(strict_client: Any, db: Session, settings: Settings) -> None:
    response = strict_client.post(URL, json={"target_url": "http://example.com/x"}, headers=bearer(settings, make_user(db)))
    assert response.status_code == 400
    assert response.get_json() == {"error": "Invalid target_url", "message": "Webhook URL must be an https:// URL with a host."}


# --- webhook ------------------------------------------------------------------------------

def test_webhook_always_posts_and_reports_failure(
    client: Any, user_headers: dict[str, str], http_server: LocalHTTPServer
) -> None:
    http_server.on("/hook", method="POST", status=500, body="nope")
    response = client.post(URL, json={"target_url": http_server.url("/hook"), "timeout_seconds": "0"},
                           headers=user_headers)
    assert response.get_json() == {
        "ok": False, "type": "webhook", "status_code": 500, "message": "Webhook test run failed."
    }
    assert http_server.requests[0].json() == {}


def test_webhook_network_error(client: Any, user_headers: dict[str, str]) -> None:
    response = client.post(URL, json={"target_url": "http://127.0.0.1:1/x", "timeout_seconds": 2}, headers=user_headers)
    body = response.get_json()
    assert response.status_code == 200
    assert (body["ok"], body["type"], body["error"]) == (False, "webhook", "Request failed")
    assert body["message"]  # the exception text in development


# --- GitHub -------------------------------------------------------------------------------

GH_BODY = {"github_owner": "acme", "github_repo": "app", "github_workflow_name": "ci.yml"}


def test_github_without_token(client: Any, user_headers: dict[str, str]) -> None:
    response = client.post(URL, json=GH_BODY, headers=user_headers)
    assert response.status_code == 200
    assert response.get_json() == {
        "ok": False, "type": "github", "error": "GitHub token not configured",
        "message": "Set GITHUB_TOKEN in backend .env to test-run GitHub workflows.",
    }


def test_github_dispatch_success(
    gh_client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on(GH_PATH, method="POST", status=204)
    before = _counts(db)
    response = gh_client.post(URL, json={**GH_BODY, "metadata": {"branch": "dev", "x": "1"}},
                              headers=bearer(settings, make_user(db)))
    assert response.get_json() == {
        "ok": True, "type": "github", "status_code": 204, "message": "GitHub workflow dispatch triggered."
    }
    request = http_server.requests[0]
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.json() == {"ref": "dev", "inputs": {"branch": "dev", "x": "1"}, "return_run_details": True}
    assert _counts(db) == before


def test_github_default_ref_and_failure(
    gh_client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on(GH_PATH, status=422, body="bad")
    response = gh_client.post(URL, json=GH_BODY, headers=bearer(settings, make_user(db)))
    assert response.get_json() == {
        "ok": False, "type": "github", "status_code": 422, "message": "GitHub workflow dispatch failed."
    }
    assert http_server.requests[0].json() == {"ref": "main", "return_run_details": True}


def test_target_url_wins_over_github(
    gh_client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    http_server.on("/hook", body="ok")
    response = gh_client.post(URL, json={**GH_BODY, "target_url": http_server.url("/hook")},
                              headers=bearer(settings, make_user(db)))
    assert response.get_json()["type"] == "webhook"
