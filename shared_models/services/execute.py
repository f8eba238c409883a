"""POST /jobs/<job_id>/execute (API_CONTRACT.md §3.5.7 with D7): claim a manual run.

The service records the `running` execution and returns what the HTTP layer needs:
the status and body to answer, and, when a run was claimed, its id and the per-run
overrides. The HTTP layer commits, answers, then starts `executor.run_execution` in
the background with those values.

The expired case answers 400 but must keep its auto-pause, so it is returned as an
outcome to commit rather than raised (raising rolls the transaction back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.errors import ApiError, invalid_payload
from shared_models.executor import RunOverrides, claim_execution, effective_config
from shared_models.models import Job, User
from shared_models.requests import JsonBody, string_field
from shared_models.serializers import execution_to_dict
from shared_models.services.ownership import get_job_or_404, require_job_owner
from shared_models.settings import Settings

EXPIRED_BODY = {"error": "Job expired", "message": "This job has passed its end_date and was auto-paused."}
DISPATCH_URL_ERROR = "Invalid dispatch URL format. Expected /<owner>/<repo>/actions/workflows/<workflow>."


@dataclass(frozen=True)
class ExecuteOutcome:
    """Answer `body` with `status` after committing; run `execution_id` if it is set."""

    status: int
    body: dict[str, Any]
    execution_id: str | None = None
    overrides: RunOverrides | None = None


def _nonempty(payload: dict[str, Any], field: str) -> str | None:
    value = string_field(payload, field)  # D1: a non-string is 400 Invalid payload
    if not isinstance(value, str):
        return None
    return value.strip() or None


def parse_dispatch_url(raw: str, settings: Settings) -> tuple[str, str, str]:
    """`[https://]host/<owner>/<repo>/actions/workflows/<workflow>[/...]` → the triple."""
    url = raw if "://" in raw else f"https://{raw}"
    segments = [unquote(part) for part in urlsplit(url).path.split("/") if part]
    if len(segments) < 5 or segments[2] != "actions" or segments[3] != "workflows":
        raise invalid_payload(DISPATCH_URL_ERROR if settings.EXPOSE_ERROR_DETAILS else "Invalid payload")
    return segments[0], segments[1], segments[4]


def _overrides(job: Job, payload: dict[str, Any], settings: Settings) -> RunOverrides:
    metadata = payload.get("metadata")  # checked to be an object (or null = absent) before
    if job.target_url:
        # A webhook job: only the URL may change; GitHub keys and the token are ignored.
        return RunOverrides(target_url=_nonempty(payload, "target_url"), metadata=metadata)
    owner = repo = workflow = None
    dispatch = _nonempty(payload, "dispatch_url")
    if dispatch:
        owner, repo, workflow = parse_dispatch_url(dispatch, settings)
    return RunOverrides(
        github_owner=_nonempty(payload, "github_owner") or owner,
        github_repo=_nonempty(payload, "github_repo") or repo,
        github_workflow_name=_nonempty(payload, "github_workflow_name") or workflow,
        github_token=_nonempty(payload, "github_token"),
        metadata=metadata,
    )


def execute_now(
    *, session: Session, settings: Settings, actor: User, job_id: str, body: JsonBody
) -> ExecuteOutcome:
    """§3.5.7's checks in order, then the claimed `running` row (flushed, not committed)."""
    job = get_job_or_404(session, job_id)
    require_job_owner(actor, job, "execute")
    today = utcnow().astimezone(settings.timezone).date()
    if job.end_date is not None and job.end_date < today:
        if job.is_active:
            job.is_active = False  # the scheduler reconciles from the database (§5.2)
            session.flush()
        return ExecuteOutcome(status=400, body=dict(EXPIRED_BODY))
    if not job.is_active:  # D7
        raise ApiError(409, "Job is inactive", "Enable the job before running it.")
    payload = body.optional_object()
    metadata = payload.get("metadata")
    # A `null` metadata is taken as absent (D1's reading of null), not as a wrong type.
    if metadata is not None and not isinstance(metadata, dict):
        raise invalid_payload('"metadata" must be a JSON object.')
    overrides = _overrides(job, payload, settings)
    if not effective_config(job, overrides).is_runnable:
        raise ApiError(400, "Missing target configuration", "Job has no valid target configuration to execute.")
    execution = claim_execution(session, job=job, trigger_type="manual")
    assert execution is not None  # manual claims never collide
    return ExecuteOutcome(
        status=200,
        body={"message": "Job triggered successfully", "job_id": job.id, "execution": execution_to_dict(execution)},
        execution_id=execution.id,
        overrides=overrides,
    )
