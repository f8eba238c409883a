"""POST /jobs/<job_id>/execute (API_CONTRACT.md §3.5.7 with D7): claim a manual run.

The service records the `running` execution and returns what the HTTP layer needs:
the status and body to answer, and, when a run was claimed, its id and the per-run
overrides. The HTTP layer commits, answers, then starts `executor.run_execution` in
the background with those values.

The checks before the body (`runnable_job`: 404, 403, expired, inactive) are their own
step, which each stack runs before it reads the body (§3.5.7 steps 1-4). The expired
case answers 400 but must keep its auto-pause: `JobExpired` tells the stack to commit
before it answers (raising normally rolls the transaction back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.contracts.fields import checked
from shared_models.contracts.runs import ExecuteBody, trimmed
from shared_models.errors import ApiError, invalid_payload
from shared_models.executor import RunOverrides, claim_execution, effective_config
from shared_models.models import Job, User
from shared_models.serializers import execution_to_dict
from shared_models.services.ownership import get_job_or_404, require_job_owner
from shared_models.settings import Settings

DISPATCH_URL_ERROR = "Invalid dispatch URL format. Expected /<owner>/<repo>/actions/workflows/<workflow>."


class JobExpired(ApiError):
    """400 "Job expired": the job was auto-paused (flushed); commit, then answer."""

    def __init__(self) -> None:
        super().__init__(400, "Job expired", "This job has passed its end_date and was auto-paused.")


@dataclass(frozen=True)
class ExecuteOutcome:
    """Answer `body` (200) after committing, then run `execution_id`."""

    body: dict[str, Any]
    execution_id: str
    overrides: RunOverrides


def parse_dispatch_url(raw: str, settings: Settings) -> tuple[str, str, str]:
    """`[https://]host/<owner>/<repo>/actions/workflows/<workflow>[/...]` → the triple."""
    url = raw if "://" in raw else f"https://{raw}"
    segments = [unquote(part) for part in urlsplit(url).path.split("/") if part]
    if len(segments) < 5 or segments[2] != "actions" or segments[3] != "workflows":
        raise invalid_payload(DISPATCH_URL_ERROR if settings.EXPOSE_ERROR_DETAILS else "Invalid payload")
    return segments[0], segments[1], segments[4]


def _overrides(job: Job, body: ExecuteBody, settings: Settings) -> RunOverrides:
    """The keys the job's kind takes, each type-checked as it is read (§3.5.7)."""
    if job.target_url:
        # A webhook job: only the URL may change; GitHub keys and the token are ignored.
        return RunOverrides(target_url=trimmed(checked(body.target_url)), metadata=body.metadata)
    owner = repo = workflow = None
    dispatch = trimmed(checked(body.dispatch_url))
    if dispatch:
        owner, repo, workflow = parse_dispatch_url(dispatch, settings)
    return RunOverrides(
        github_owner=trimmed(checked(body.github_owner)) or owner,
        github_repo=trimmed(checked(body.github_repo)) or repo,
        github_workflow_name=trimmed(checked(body.github_workflow_name)) or workflow,
        github_token=trimmed(checked(body.github_token)),
        metadata=body.metadata,
    )


def runnable_job(*, session: Session, settings: Settings, actor: User, job_id: str) -> Job:
    """§3.5.7 steps 1-3 and D7, before the body is read: 404, 403, `JobExpired` (the
    auto-pause flushed), 409 "Job is inactive"."""
    job = get_job_or_404(session, job_id)
    require_job_owner(actor, job, "execute")
    today = utcnow().astimezone(settings.timezone).date()
    if job.end_date is not None and job.end_date < today:
        if job.is_active:
            job.is_active = False  # the scheduler reconciles from the database (§5.2)
            session.flush()
        raise JobExpired()
    if not job.is_active:  # D7
        raise ApiError(409, "Job is inactive", "Enable the job before running it.")
    return job


def execute_now(*, session: Session, settings: Settings, job: Job, body: ExecuteBody) -> ExecuteOutcome:
    """The overrides of the body, then the claimed `running` row (flushed, not committed)."""
    overrides = _overrides(job, body, settings)
    if not effective_config(job, overrides).is_runnable:
        raise ApiError(400, "Missing target configuration", "Job has no valid target configuration to execute.")
    execution = claim_execution(session, job=job, trigger_type="manual")
    assert execution is not None  # manual claims never collide
    return ExecuteOutcome(
        body={"message": "Job triggered successfully", "job_id": job.id, "execution": execution_to_dict(execution)},
        execution_id=execution.id,
        overrides=overrides,
    )
