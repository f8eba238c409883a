"""POST /jobs/test-run (API_CONTRACT.md §3.4.3 with D1, D11, D12).

A one-off call to a webhook or a GitHub workflow: no job, execution or notification
is written, so this service takes no session. With no execution row, its call's
Idempotency-Key is a fresh id (`new_id()`), never reused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from shared_models.errors import ApiError, bad_request
from shared_models.ids import new_id
from shared_models.outbound import github, webhook
from shared_models.outbound.ssrf import UnsafeTarget
from shared_models.requests import JsonBody, number_field, string_field
from shared_models.settings import Settings

DEFAULT_TIMEOUT = 10.0
MIN_TIMEOUT, MAX_TIMEOUT = 1.0, 30.0
GITHUB_TEST_POLICY = github.RetryPolicy(max_retries=1, max_total_wait=5.0)
"""A test-run answers inside the request, so it waits at most a few seconds for retries."""


def _trimmed(payload: dict[str, Any], field: str) -> str | None:
    value = string_field(payload, field)  # D1: a non-string is 400, null is absent
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _metadata(payload: dict[str, Any]) -> dict[str, Any]:
    # The section's own 400 is kept (it already was a documented 400, not a defect);
    # falsy values (null, [], "", 0) mean {} as in the legacy `or {}`.
    value = payload.get("metadata")
    if not value:
        return {}
    if not isinstance(value, dict):
        raise bad_request("Invalid metadata", '"metadata" must be an object.')
    return value


def _timeout(payload: dict[str, Any]) -> float:
    raw = payload.get("timeout_seconds")
    if not raw:  # `float(value or 10)`: absent, null, 0 and "" mean 10
        return DEFAULT_TIMEOUT
    value = number_field(payload, "timeout_seconds")  # D1: non-numeric → 400 Invalid payload
    assert isinstance(value, float)
    return min(MAX_TIMEOUT, max(MIN_TIMEOUT, value))


def _failure(kind: str, settings: Settings, error: str) -> dict[str, Any]:
    return {
        "ok": False,
        "type": kind,
        "error": "Request failed",
        "message": error if settings.EXPOSE_ERROR_DETAILS else "Request failed",
    }


def _webhook(settings: Settings, url: str, metadata: dict[str, Any], timeout: float) -> dict[str, Any]:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise bad_request("Invalid target_url", "Webhook URL must start with http:// or https://")
    try:
        result = webhook.call_webhook(
            settings=settings, url=url, method="POST", payload=metadata, timeout=timeout, idempotency_key=new_id(),
        )
    except UnsafeTarget as exc:  # D11
        raise bad_request("Invalid target_url", str(exc)) from None
    if result.status_code is None:
        return _failure("webhook", settings, result.error or "Request failed")
    return {
        "ok": result.ok,
        "type": "webhook",
        "status_code": result.status_code,
        "message": "Webhook test run succeeded." if result.ok else "Webhook test run failed.",
    }


def _github(
    settings: Settings, owner: str, repo: str, workflow: str, metadata: dict[str, Any], timeout: float
) -> dict[str, Any]:
    token = settings.GITHUB_TOKEN.strip()
    if not token:
        return {
            "ok": False,
            "type": "github",
            "error": "GitHub token not configured",
            "message": "Set GITHUB_TOKEN in backend .env to test-run GitHub workflows.",
        }
    ref = metadata.get("ref") or metadata.get("branch") or "main"
    result = github.dispatch_workflow(
        settings=settings, owner=owner, repo=repo, workflow=workflow, token=token, ref=ref,
        inputs=metadata or None, timeout=timeout, policy=GITHUB_TEST_POLICY, idempotency_key=new_id(),
    )
    if result.status_code is None:
        return _failure("github", settings, result.error or "Request failed")
    # D12: success is 204, or 200 with run details (the legacy {201, 204} predates it).
    return {
        "ok": result.ok,
        "type": "github",
        "status_code": result.status_code,
        "message": "GitHub workflow dispatch triggered." if result.ok else "GitHub workflow dispatch failed.",
    }


def test_run(*, settings: Settings, body: JsonBody) -> dict[str, Any]:
    """Call the target once and report how it answered (always 200 once it was called)."""
    payload = body.object()
    target_url = _trimmed(payload, "target_url")
    owner = _trimmed(payload, "github_owner")
    repo = _trimmed(payload, "github_repo")
    workflow = _trimmed(payload, "github_workflow_name")
    metadata = _metadata(payload)
    if not target_url and not (owner and repo and workflow):
        raise ApiError(
            400,
            "Missing target configuration",
            "Provide target_url or GitHub config (github_owner, github_repo, github_workflow_name).",
        )
    timeout = _timeout(payload)
    if target_url:
        return _webhook(settings, target_url, metadata, timeout)
    assert owner and repo and workflow
    return _github(settings, owner, repo, workflow, metadata, timeout)


test_run.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
