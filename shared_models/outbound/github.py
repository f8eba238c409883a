"""GitHub `workflow_dispatch` over httpx (API_CONTRACT.md §5.4, D12).

The base URL is `settings.GITHUB_API_URL`, so tests point it at a local server. Success
is 204, or 200 with run details (we ask for them with `return_run_details: true`).
5xx and 429 are retried with exponential backoff, honouring `Retry-After`, within a
bounded total wait; other 4xx are final. Network faults are not retried: the request
may have reached GitHub, and a second dispatch would start a second run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from shared_models.clock import utcnow
from shared_models.outbound.http import Reply, exchange
from shared_models.settings import Settings

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
MAX_RETRIES = 3
"""Extra attempts after a 5xx/429 when no policy is given; runs use
`RetryPolicy.from_settings` (OUTBOUND_MAX_RETRIES)."""
BACKOFF_SECONDS = 1.0
"""First backoff; doubled per retry unless the reply says `Retry-After`."""
MAX_TOTAL_WAIT_SECONDS = 30.0
"""Never wait longer than this in total; a longer `Retry-After` ends the retries."""
RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = MAX_RETRIES
    backoff_seconds: float = BACKOFF_SECONDS
    max_total_wait: float = MAX_TOTAL_WAIT_SECONDS
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy of real runs: OUTBOUND_MAX_RETRIES extra attempts (0 = none)."""
        return cls(max_retries=max(0, settings.OUTBOUND_MAX_RETRIES))


@dataclass(frozen=True)
class DispatchResult:
    """What GitHub answered: `status_code` is None when no answer came (`error` says why)."""

    ok: bool
    status_code: int | None
    body: str = ""
    error: str | None = None
    run_id: int | str | None = None
    run_url: str | None = None
    workflow: str = ""
    """The workflow file actually used (after the `.yml`/`.yaml` fallback)."""

    @property
    def run_details(self) -> str:
        """` (run <id>: <url>)` when GitHub returned run details, else empty."""
        if self.run_id is None and not self.run_url:
            return ""
        parts = [f"run {self.run_id}" if self.run_id is not None else "run"]
        if self.run_url:
            parts.append(self.run_url)
        return f" ({': '.join(parts)})"


def dispatch_url(settings: Settings, owner: str, repo: str, workflow: str) -> str:
    segments = (quote(part, safe="") for part in (owner, repo, workflow))
    owner_q, repo_q, workflow_q = segments
    base = settings.GITHUB_API_URL.rstrip("/")
    return f"{base}/repos/{owner_q}/{repo_q}/actions/workflows/{workflow_q}/dispatches"


def headers(token: str, idempotency_key: str | None = None) -> dict[str, str]:
    sent = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
    }
    if idempotency_key:
        sent["Idempotency-Key"] = idempotency_key
    return sent


def fallback_names(workflow: str) -> list[str]:
    """§5.4: a bare name that 404s is tried again as `<name>.yml`, then `<name>.yaml`."""
    if "." in workflow or workflow.isdigit():
        return [workflow]
    return [workflow, f"{workflow}.yml", f"{workflow}.yaml"]


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date relative to now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - utcnow()).total_seconds())


def _post_with_retries(
    url: str, *, token: str, body: dict[str, Any], timeout: float, policy: RetryPolicy, key: str | None = None
) -> Reply:
    waited = 0.0
    attempt = 0
    while True:
        reply = exchange("POST", url, timeout=timeout, headers=headers(token, key), json=body, send_json=True)
        if reply.status_code not in RETRY_STATUSES or attempt >= policy.max_retries:
            return reply
        wait = retry_after_seconds(reply.headers.get("retry-after"))
        if wait is None:
            wait = policy.backoff_seconds * (2**attempt)
        if waited + wait > policy.max_total_wait:
            return reply
        log.info("GitHub answered %s; retrying in %.2fs", reply.status_code, wait)
        policy.sleep(wait)
        waited += wait
        attempt += 1


def _run_details(reply: Reply) -> tuple[int | str | None, str | None]:
    if reply.status_code != 200 or not reply.text.strip():
        return None, None
    try:
        data = json.loads(reply.text)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    run_id = data.get("workflow_run_id", data.get("id"))
    url = data.get("html_url") or data.get("run_url")
    return (run_id if isinstance(run_id, int | str) else None), (url if isinstance(url, str) else None)


def dispatch_workflow(
    *,
    settings: Settings,
    owner: str,
    repo: str,
    workflow: str,
    token: str,
    ref: Any,
    inputs: Any = None,
    timeout: float | None = None,
    policy: RetryPolicy | None = None,
    idempotency_key: str | None = None,
) -> DispatchResult:
    """POST a `workflow_dispatch`; never raises for HTTP or network trouble.

    `inputs` is sent when it is not None. The result's `error` holds the network
    fault's text when no HTTP answer came. `idempotency_key` goes on every POST (each
    retry and each fallback name): one run, one key.
    """
    policy = policy or RetryPolicy.from_settings(settings)
    timeout = settings.OUTBOUND_TIMEOUT_SECONDS if timeout is None else timeout
    body: dict[str, Any] = {"ref": ref}
    if inputs is not None:
        body["inputs"] = inputs
    body["return_run_details"] = True
    reply: Reply | None = None
    used = workflow
    try:
        for name in fallback_names(workflow):
            used = name
            reply = _post_with_retries(
                dispatch_url(settings, owner, repo, name), token=token, body=body,
                timeout=timeout, policy=policy, key=idempotency_key,
            )
            if reply.status_code != 404:
                break
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return DispatchResult(ok=False, status_code=None, error=str(exc) or type(exc).__name__, workflow=used)
    assert reply is not None
    ok = reply.status_code in (200, 204)
    run_id, run_url = _run_details(reply)
    return DispatchResult(
        ok=ok, status_code=reply.status_code, body=reply.text, run_id=run_id, run_url=run_url,
        workflow=used,
    )
