"""workflow_dispatch against a local server playing GitHub (D12, §5.4)."""

from __future__ import annotations

import pytest

from shared_models.outbound import github
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.local_http import LocalHTTPServer

PATH = "/repos/acme/app/actions/workflows/{}/dispatches"


@pytest.fixture
def gh_settings(database_url: str, http_server: LocalHTTPServer) -> Settings:
    return make_settings(database_url, GITHUB_API_URL=http_server.url("/"))


def _policy(waits: list[float], **kw: float) -> github.RetryPolicy:
    return github.RetryPolicy(sleep=waits.append, backoff_seconds=0.01, **kw)  # type: ignore[arg-type]


def _dispatch(settings: Settings, workflow: str = "ci.yml", **kw: object) -> github.DispatchResult:
    return github.dispatch_workflow(
        settings=settings, owner="acme", repo="app", workflow=workflow, token="tok-123",
        ref="main", inputs={"x": "1"}, **kw,  # type: ignore[arg-type]
    )


def test_204_success_with_headers_and_body(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(PATH.format("ci.yml"), method="POST", status=204)
    result = _dispatch(gh_settings)
    assert (result.ok, result.status_code, result.run_details) == (True, 204, "")
    request = http_server.requests[0]
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert request.json() == {"ref": "main", "inputs": {"x": "1"}, "return_run_details": True}


def test_200_with_run_details(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(PATH.format("ci.yml"), json={
        "workflow_run_id": 42, "run_url": "https://api/x/42", "html_url": "https://github.com/acme/app/actions/runs/42"
    })
    result = _dispatch(gh_settings)
    assert result.ok and result.run_id == 42
    assert result.run_details == " (run 42: https://github.com/acme/app/actions/runs/42)"


def test_5xx_retried_then_success(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    path = PATH.format("ci.yml")
    http_server.on(path, times=1, status=502, body="down")
    http_server.on(path, times=1, status=503, body="down")
    http_server.on(path, times=1, status=204)
    waits: list[float] = []
    result = _dispatch(gh_settings, policy=_policy(waits))
    assert result.ok and len(http_server.requests) == 3
    assert waits == [0.01, 0.02]


def test_429_honours_retry_after(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    path = PATH.format("ci.yml")
    http_server.on(path, status=429, body="slow down", headers={"Retry-After": "2"}, times=1)
    http_server.on(path, times=1, status=204)
    waits: list[float] = []
    assert _dispatch(gh_settings, policy=_policy(waits)).ok
    assert waits == [2.0]


def test_retry_after_beyond_budget_stops(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(PATH.format("ci.yml"), status=429, body="slow down", headers={"Retry-After": "120"})
    waits: list[float] = []
    result = _dispatch(gh_settings, policy=_policy(waits, max_total_wait=30))
    assert (result.ok, result.status_code, result.body) == (False, 429, "slow down")
    assert waits == [] and len(http_server.requests) == 1


def test_retries_are_bounded(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(PATH.format("ci.yml"), status=500, body="err")
    waits: list[float] = []
    result = _dispatch(gh_settings, policy=_policy(waits, max_retries=2))
    assert (result.ok, result.status_code) == (False, 500)
    assert len(http_server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_other_4xx_not_retried(gh_settings: Settings, http_server: LocalHTTPServer, status: int) -> None:
    http_server.on(PATH.format("ci.yml"), body="bad", status=status)
    waits: list[float] = []
    result = _dispatch(gh_settings, policy=_policy(waits))
    assert (result.ok, result.status_code, result.body) == (False, status, "bad")
    assert len(http_server.requests) == 1 and waits == []


def test_404_falls_back_to_yml_then_yaml(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on(PATH.format("deploy"), status=404, body="nf")
    http_server.on(PATH.format("deploy.yml"), status=404, body="nf")
    http_server.on(PATH.format("deploy.yaml"), status=204)
    result = _dispatch(gh_settings, workflow="deploy")
    assert result.ok and result.workflow == "deploy.yaml"
    assert [request.path for request in http_server.requests] == [
        PATH.format("deploy"), PATH.format("deploy.yml"), PATH.format("deploy.yaml")
    ]


@pytest.mark.parametrize("workflow", ["ci.yml", "12345"])
def test_no_fallback_for_file_names_and_ids(gh_settings: Settings, http_server: LocalHTTPServer, workflow: str) -> None:
    http_server.on(PATH.format(workflow), status=404, body="nf")
    result = _dispatch(gh_settings, workflow=workflow)
    assert result.status_code == 404 and len(http_server.requests) == 1


def test_path_segments_are_escaped(gh_settings: Settings, http_server: LocalHTTPServer) -> None:
    # The server decodes the path for matching; the raw request line keeps the escape.
    http_server.on("/repos/acme/app/actions/workflows/../x.yml/dispatches", status=204)
    assert _dispatch(gh_settings, workflow="../x.yml").ok
    assert "/workflows/..%2Fx.yml/dispatches" in http_server.requests[0].raw_path


def test_network_error_reported(database_url: str) -> None:
    settings = make_settings(database_url, GITHUB_API_URL="http://127.0.0.1:1")
    result = _dispatch(settings, timeout=2)
    assert result.status_code is None and not result.ok and result.error


def test_retry_after_http_date() -> None:
    assert github.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert github.retry_after_seconds("3") == 3.0
    assert github.retry_after_seconds("soon") is None


def test_default_policy_comes_from_settings(database_url: str, http_server: LocalHTTPServer) -> None:
    assert github.RetryPolicy.from_settings(make_settings(database_url, OUTBOUND_MAX_RETRIES=5)).max_retries == 5
    assert github.RetryPolicy.from_settings(make_settings(database_url, OUTBOUND_MAX_RETRIES=-1)).max_retries == 0
    http_server.on(PATH.format("ci.yml"), status=503, body="err")
    settings = make_settings(database_url, GITHUB_API_URL=http_server.url("/"), OUTBOUND_MAX_RETRIES=0)
    result = _dispatch(settings)  # no policy passed: OUTBOUND_MAX_RETRIES=0 means one attempt
    assert (result.ok, result.status_code) == (False, 503)
    assert len(http_server.requests) == 1
