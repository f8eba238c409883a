"""The one job executor (API_CONTRACT.md §5.4-§5.6, D7, D11, D12, D14).

Used by "execute now" and by the scheduler, nothing else. A run has two halves:

1. `claim_execution` inserts the `running` row inside the caller's transaction (for the
   scheduler, the unique (job_id, scheduled_for) key makes a slot fire once);
2. `run_execution`, after that row is committed, makes the outbound call with no
   database transaction open, then records the outcome and the in-app notifications
   in one write transaction, then sends e-mail.

E-mail (beyond the legacy §5.5, replacing its one e-mail per failure): a job whose
runs keep failing gets ONE alert when its failure streak reaches
SCHEDULER_FAILURE_ALERT_THRESHOLD and ONE recovery notice on the first success after
such a streak (shared_models.alerts). Scheduled and manual runs count alike (D14: the
trigger type never decides), so a manual run can complete a streak or end it. The
success e-mail of `notify_on_success` is unchanged, except that a success which ends
an alerted streak sends the recovery notice instead (one e-mail, not two).

Every outcome is recorded; nothing here raises to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models import alerts, mail, notify
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.ids import new_id
from shared_models.models import Job, JobExecution, Notification
from shared_models.outbound import github, webhook
from shared_models.outbound.ssrf import UnsafeTarget
from shared_models.serializers import emails_from_text, metadata_from_text
from shared_models.settings import Settings

log = logging.getLogger(__name__)

ERROR_MAX_CHARS = 10_000
"""Bound on a recorded error message (a GitHub error body is quoted in it)."""
TARGET_MAX_CHARS = 500  # the column's width


@dataclass(frozen=True)
class RunOverrides:
    """Per-run values of a manual run (§3.5.7); None keeps the job's value. Never stored."""

    target_url: str | None = None
    github_owner: str | None = None
    github_repo: str | None = None
    github_workflow_name: str | None = None
    github_token: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunConfig:
    """The effective target of one run: the job's fields with the overrides applied."""

    target_url: str | None
    github_owner: str | None
    github_repo: str | None
    github_workflow_name: str | None
    github_token: str | None
    metadata: Any

    @property
    def has_github(self) -> bool:
        return bool(self.github_owner and self.github_repo and self.github_workflow_name)

    @property
    def is_runnable(self) -> bool:
        return self.has_github or bool(self.target_url)


def effective_config(job: Job, overrides: RunOverrides | None = None) -> RunConfig:
    o = overrides or RunOverrides()
    return RunConfig(
        target_url=o.target_url or job.target_url,
        github_owner=o.github_owner or job.github_owner,
        github_repo=o.github_repo or job.github_repo,
        github_workflow_name=o.github_workflow_name or job.github_workflow_name,
        github_token=o.github_token,
        metadata=o.metadata if o.metadata is not None else metadata_from_text(job.job_metadata),
    )


def claim_execution(
    session: Session, *, job: Job, trigger_type: str, scheduled_for: datetime | None = None
) -> JobExecution | None:
    """Insert the `running` row (flushed, not committed).

    With `scheduled_for`, a second claim of the same (job, slot) returns None; the
    insert runs in a SAVEPOINT so the caller's transaction survives the collision.
    """
    row = JobExecution(
        job_id=job.id, status="running", trigger_type=trigger_type,
        started_at=utcnow(), scheduled_for=scheduled_for,
    )
    if scheduled_for is None:
        session.add(row)
        session.flush()
        return row
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


CLAIM_CHUNK = 500
"""Rows per INSERT of a batched claim (6 bound values each, far below SQLite's limit)."""


def _insert_ignoring_duplicates(session: Session) -> Insert:
    """INSERT ... ON CONFLICT (job_id, scheduled_for) DO NOTHING RETURNING id."""
    dialect = session.get_bind().dialect.name
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:
        raise RuntimeError(f"no batched claim for database dialect {dialect!r}")
    return (
        module.insert(JobExecution.__table__)
        .on_conflict_do_nothing(index_elements=["job_id", "scheduled_for"])
        .returning(JobExecution.__table__.c.id)
    )


def claim_scheduled(
    session: Session, slots: list[tuple[str, datetime]]
) -> dict[tuple[str, datetime], str]:
    """Claim many (job_id, slot) pairs at once, in the caller's write transaction.

    The batched twin of `claim_execution(..., scheduled_for=slot)`: one multi-row INSERT
    per CLAIM_CHUNK pairs, each `running` row keyed by the unique (job_id, scheduled_for);
    a pair claimed before (by anyone) is skipped by ON CONFLICT DO NOTHING, so exactly
    once still rests on the database. Returns {(job_id, slot): execution id} for the
    pairs claimed now. The jobs must exist (foreign key).
    """
    claimed: dict[tuple[str, datetime], str] = {}
    if not slots:
        return claimed
    statement = _insert_ignoring_duplicates(session)
    started = utcnow()
    unique = list(dict.fromkeys(slots))
    for start in range(0, len(unique), CLAIM_CHUNK):
        chunk = unique[start:start + CLAIM_CHUNK]
        keys = {new_id(): pair for pair in chunk}
        rows = [
            {"id": execution_id, "job_id": job_id, "status": "running", "trigger_type": "scheduled",
             "started_at": started, "scheduled_for": slot}
            for execution_id, (job_id, slot) in keys.items()
        ]
        for execution_id in session.scalars(statement.values(rows)):
            claimed[keys[execution_id]] = execution_id
    return claimed


@dataclass
class Outcome:
    """The result of one dispatch, before it is recorded."""

    status: str  # "success" | "failed"
    error_message: str | None = None
    response_status: int | None = None
    output: str | None = None
    execution_type: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class _JobView:
    """The plain values of the job a run needs once its session is closed."""

    id: str
    name: str
    enable_email_notifications: bool
    notify_on_success: bool
    emails: list[str] = field(default_factory=list)


def _github(job: _JobView, config: RunConfig, settings: Settings, policy: github.RetryPolicy | None) -> Outcome:
    owner = (config.github_owner or "").strip()
    repo = (config.github_repo or "").strip()
    workflow = (config.github_workflow_name or "").strip()
    outcome = Outcome(
        status="failed", execution_type="github_actions",
        target=f"{owner}/{repo}/{workflow}"[:TARGET_MAX_CHARS],
    )
    token = (config.github_token or settings.GITHUB_TOKEN or "").strip()
    if not token:
        outcome.error_message = f"GitHub token not configured. Cannot trigger workflow for job '{job.name}'"
        return outcome
    metadata = config.metadata
    ref = metadata.get("branchDetails") or "master"  # a non-object metadata fails here, as in §5.4
    result = github.dispatch_workflow(
        settings=settings, owner=owner, repo=repo, workflow=workflow, token=token,
        ref=ref, inputs=metadata, policy=policy,
    )
    outcome.response_status = result.status_code
    if result.ok:
        outcome.status = "success"
        outcome.output = f"Workflow triggered successfully on branch {ref}{result.run_details}"
    elif result.status_code is None:
        outcome.error_message = f"GitHub Actions request failed: {result.error}"
    else:
        outcome.error_message = (
            f"GitHub Actions dispatch failed. Status: {result.status_code}, Response: {result.body}"
        )
    return outcome


def _webhook(config: RunConfig, settings: Settings) -> Outcome:
    url = config.target_url or ""
    outcome = Outcome(status="failed", execution_type="webhook", target=url[:TARGET_MAX_CHARS])
    metadata = config.metadata
    post = isinstance(metadata, dict) and bool(metadata)
    try:
        result = webhook.call_webhook(
            settings=settings, url=url, method="POST" if post else "GET",
            payload=metadata if post else None,
        )
    except UnsafeTarget as exc:  # D11 at fire time: refused before any connection
        outcome.error_message = f"Webhook call failed: {exc}"
        return outcome
    outcome.response_status = result.status_code
    if result.status_code is None:
        outcome.error_message = f"Webhook call failed: {result.error}"
        return outcome
    outcome.output = result.text
    if result.ok:
        outcome.status = "success"
    else:
        outcome.error_message = f"Webhook returned status {result.status_code}"
    return outcome


def dispatch(
    job: _JobView, config: RunConfig, settings: Settings, *, policy: github.RetryPolicy | None = None
) -> Outcome:
    """§5.4 step 5: GitHub when the triple is complete, else the webhook, else a failure."""
    if config.has_github:
        return _github(job, config, settings, policy)
    if config.target_url:
        return _webhook(config, settings)
    return Outcome(
        status="failed",
        error_message=f"Job '{job.name}' has invalid configuration (neither GitHub Actions nor webhook URL)",
    )


def _load(session_factory: Callable[[], Session], execution_id: str, overrides: RunOverrides | None):
    with session_factory() as session:
        execution = session.get(JobExecution, execution_id)
        if execution is None or execution.status != "running":
            return None
        job = session.get(Job, execution.job_id)
        if job is None:
            return None
        view = _JobView(
            id=job.id, name=job.name,
            enable_email_notifications=bool(job.enable_email_notifications),
            notify_on_success=bool(job.notify_on_success),
            emails=emails_from_text(job.notification_emails),
        )
        return view, effective_config(job, overrides)


@dataclass(frozen=True)
class Recorded:
    """What `_record` wrote: the run's duration and the streak decision (alerts.decide)."""

    duration: float
    decision: alerts.Decision = None


def _wants_mail(job: _JobView, settings: Settings) -> bool:
    return job.enable_email_notifications and bool(job.emails) and settings.mail_configured


def _record(
    session_factory: Callable[[], Session],
    settings: Settings,
    execution_id: str,
    job: _JobView,
    outcome: Outcome,
) -> Recorded | None:
    """Write the outcome and broadcast it, in one transaction; None if nothing was written.

    A row that is gone (job deleted) or no longer running (e.g. marked failed as an
    orphan meanwhile) is left alone. The streak decision is taken in the same
    transaction, under a lock on the job row, so two runs of one job finishing at once
    cannot both see themselves as the streak's N-th failure (one alert, not two). It is
    only computed when an e-mail could follow.
    """
    with session_factory() as session:
        begin_write(session)
        threshold = settings.SCHEDULER_FAILURE_ALERT_THRESHOLD
        streaks = threshold >= 1 and _wants_mail(job, settings)
        # FOR NO KEY UPDATE on PostgreSQL: serializes the runs of this job being
        # recorded, without blocking a new claim's foreign-key check on the job row.
        if streaks and session.get(Job, job.id, with_for_update={"key_share": True}) is None:
            session.rollback()
            return None
        execution = session.get(JobExecution, execution_id, with_for_update=True)
        if execution is None or execution.status != "running":
            session.rollback()
            return None
        completed = utcnow()
        duration = max(0.0, (completed - execution.started_at).total_seconds())
        execution.completed_at = completed
        execution.duration_seconds = duration
        execution.status = outcome.status
        execution.response_status = outcome.response_status
        execution.error_message = outcome.error_message[:ERROR_MAX_CHARS] if outcome.error_message else None
        execution.output = outcome.output
        execution.execution_type = outcome.execution_type
        execution.target = outcome.target
        if outcome.status == "success":
            notify.broadcast(
                session, title="Job Completed", message=f'Job "{job.name}" completed successfully.',
                type="success", related_job_id=job.id, related_execution_id=execution_id,
            )
        else:
            notify.broadcast(
                session, title="Job Failed", message=f'Job "{job.name}" failed: {execution.error_message}',
                type="error", related_job_id=job.id, related_execution_id=execution_id,
            )
        decision: alerts.Decision = None
        if streaks:
            session.flush()
            limit = alerts.outcomes_needed(threshold)
            outcomes = session.scalars(alerts.recent_outcomes(job.id, limit=limit)).all()
            decision = alerts.decide(outcomes, threshold)
        session.commit()
        return Recorded(duration=duration, decision=decision)


def _mail_for(job: _JobView, outcome: Outcome, recorded: Recorded, threshold: int) -> mail.MailContent | None:
    """Which e-mail (if any) a recorded run sends; the job's flags decide, not the trigger (D14).

    Failures: only the alert at the streak's threshold (no per-failure e-mail).
    Successes: the recovery notice after an alerted streak, else the §5.5 success e-mail
    when `notify_on_success`.
    """
    if not job.enable_email_notifications or not job.emails:
        return None
    if recorded.decision == "alert":
        return mail.alert_message(
            job_name=job.name, job_id=job.id, failures=threshold, error=outcome.error_message or "",
        )
    if outcome.status != "success":
        return None
    if recorded.decision == "recovery":
        return mail.recovery_message(
            job_name=job.name, job_id=job.id, failures=threshold, duration_seconds=recorded.duration,
        )
    if job.notify_on_success:
        return mail.success_message(job_name=job.name, job_id=job.id, duration_seconds=recorded.duration)
    return None


def _record_mail_failure(session_factory: Callable[[], Session], execution_id: str, reason: str) -> None:
    """D14: a failed send is noted on the run's notifications, never raised."""
    with session_factory() as session:
        begin_write(session)
        session.execute(
            update(Notification)
            .where(Notification.related_execution_id == execution_id)
            .values(message=Notification.message + f" (E-mail notification failed: {reason})")
        )
        session.commit()


def run_execution(
    *,
    session_factory: Callable[[], Session],
    settings: Settings,
    execution_id: str,
    overrides: RunOverrides | None = None,
    mailer: mail.Mailer | None = None,
    retry_policy: github.RetryPolicy | None = None,
) -> None:
    """Run a claimed (committed, `running`) execution to its end and record it.

    `mailer` defaults to `SmtpMailer(settings)`; mail is skipped anyway unless
    `settings.mail_configured`.
    """
    try:
        loaded = _load(session_factory, execution_id, overrides)
        if loaded is None:
            log.info("Execution %s is gone or already finished; nothing to run", execution_id)
            return
        job, config = loaded
        try:
            outcome = dispatch(job, config, settings, policy=retry_policy)
        except Exception as exc:  # noqa: BLE001 - every outcome is recorded (§5.4)
            log.exception("Unexpected error executing job %s", job.id)
            outcome = Outcome(
                status="failed", error_message=f"Unexpected error executing job '{job.name}': {exc}",
                execution_type="github_actions" if config.has_github else "webhook" if config.target_url else None,
            )
        recorded = _record(session_factory, settings, execution_id, job, outcome)
        if recorded is None:
            return
        content = _mail_for(job, outcome, recorded, settings.SCHEDULER_FAILURE_ALERT_THRESHOLD)
        if content is None:
            return
        reason = mail.deliver(mailer or mail.SmtpMailer(settings), settings, job.emails, content)
        if reason is not None:
            _record_mail_failure(session_factory, execution_id, reason)
    except Exception:  # the run is in a background thread: log, never propagate
        log.exception("Recording execution %s failed", execution_id)
