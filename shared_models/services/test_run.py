"""POST /jobs/test-run (API_CONTRACT.md §3.4.3 with D1, D11, D12).

A one-off call to a webhook or a GitHub workflow: no job, execution or notification
is written, so this service takes no session. With no execution row, its call's
Idempotency-Key is a fresh id (`new_id()`), never reused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from shared_models.contracts.runs import TestRunBody, trimmed
from shared_models.errors import bad_request
from shared_models.ids import new_id
from shared_models.outbound import github, webhook
from shared_models.outbound.ssrf import UnsafeTarget
from shared_models.settings import Settings

MIN_TIMEOUT, MAX_TIMEOUT = 1.0, 30.0
GITHUB_TEST_POLICY = github.RetryPolicy(max_retries=1, max_total_wait=5.0)
"""A test-run answers inside the request, so it waits at most a few seconds for retries."""


def _timeout(value: float) -> float:
    """Clamped to [1, 30] (the contract gave 10 for a false-like value)."""
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


def test_run(*, settings: Settings, body: TestRunBody) -> dict[str, Any]:
    """Call the target once and report how it answered (always 200 once it was called).

    The contract checked the types, the metadata and that a target is given (§3.4.3).
    """
    target_url = trimmed(body.target_url)
    timeout = _timeout(body.timeout_seconds)
    if target_url:
        return _webhook(settings, target_url, body.metadata, timeout)
    owner, repo, workflow = (trimmed(key) for key in (body.github_owner, body.github_repo, body.github_workflow_name))
    assert owner and repo and workflow  # the contract refused an incomplete target
    return _github(settings, owner, repo, workflow, body.metadata, timeout)


test_run.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
