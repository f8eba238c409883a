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

Delivery (issue 15): every outbound call carries an `Idempotency-Key` (`idempotency_key`),
the same on every retry of the run, and the run's `phase` is written before each step:
`claimed` with the row, `sending` (`mark_sending`) before the call, `answered` with the
answer (`store_answer` on the one-run path, or with the final record in a burst), so a
new scheduler leader can tell "never sent" from "sent, answer lost" (scheduler.takeover).

Every outcome is recorded; nothing here raises to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models import alerts, mail, notify
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.ids import new_id
from shared_models.models import Job, JobExecution, Notification
from shared_models.outbound import github, webhook
from shared_models.outbound.ssrf import Resolver, UnsafeTarget, resolve
from shared_models.serializers import emails_from_text, metadata_from_text
from shared_models.settings import Settings

IDEMPOTENCY_HEADER = "Idempotency-Key"


def idempotency_key(*, job_id: str, scheduled_for: datetime | None, execution_id: str) -> str:
    """The key a target may deduplicate a run's calls by (README, "For target owners").

    Scheduled run: `<job id>:<slot, ISO 8601 UTC>` (the slot, not the execution, so a
    split brain's two claims would still share it); manual run: `<execution id>`.
    """
    if scheduled_for is None:
        return execution_id
    slot = scheduled_for.astimezone(UTC) if scheduled_for.tzinfo else scheduled_for.replace(tzinfo=UTC)
    return f"{job_id}:{slot.strftime('%Y-%m-%dT%H:%M:%SZ')}"

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
        started_at=utcnow(), scheduled_for=scheduled_for, phase="claimed",
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
             "started_at": started, "scheduled_for": slot, "phase": "claimed", "send_attempts": 0}
            for execution_id, (job_id, slot) in keys.items()
        ]
        # Parameters as an executemany, not .values(rows): SQLAlchemy's "insertmanyvalues"
        # still sends multi-row INSERTs, from a cached compiled statement; compiling a
        # 500-row VALUES clause cost ~0.1 s of CPU per chunk.
        for execution_id in session.execute(statement, rows).scalars():
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
class JobView:
    """The plain values of the job a run needs once its session is closed."""

    id: str
    name: str
    enable_email_notifications: bool
    notify_on_success: bool
    emails: list[str] = field(default_factory=list)


def _github(
    job: JobView, config: RunConfig, settings: Settings, policy: github.RetryPolicy | None, key: str | None
) -> Outcome:
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
        ref=ref, inputs=metadata, policy=policy, idempotency_key=key,
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


def _webhook(config: RunConfig, settings: Settings, resolver: Resolver, key: str | None) -> Outcome:
    url = config.target_url or ""
    outcome = Outcome(status="failed", execution_type="webhook", target=url[:TARGET_MAX_CHARS])
    metadata = config.metadata
    post = isinstance(metadata, dict) and bool(metadata)
    try:
        result = webhook.call_webhook(
            settings=settings, url=url, method="POST" if post else "GET",
            payload=metadata if post else None, resolver=resolver, idempotency_key=key,
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
    job: JobView,
    config: RunConfig,
    settings: Settings,
    *,
    policy: github.RetryPolicy | None = None,
    resolver: Resolver = resolve,
    key: str | None = None,
) -> Outcome:
    """§5.4 step 5: GitHub when the triple is complete, else the webhook, else a failure.

    `key` is sent as the Idempotency-Key header of every call (and retry) of the run.
    """
    if config.has_github:
        return _github(job, config, settings, policy, key)
    if config.target_url:
        return _webhook(config, settings, resolver, key)
    return Outcome(
        status="failed",
        error_message=f"Job '{job.name}' has invalid configuration (neither GitHub Actions nor webhook URL)",
    )


def perform(
    job: JobView,
    config: RunConfig,
    settings: Settings,
    *,
    policy: github.RetryPolicy | None = None,
    resolver: Resolver = resolve,
    key: str | None = None,
) -> Outcome:
    """The outbound half of a run: `dispatch`, with any exception turned into a failed outcome."""
    try:
        return dispatch(job, config, settings, policy=policy, resolver=resolver, key=key)
    except Exception as exc:  # noqa: BLE001 - every outcome is recorded (§5.4)
        log.exception("Unexpected error executing job %s", job.id)
        return Outcome(
            status="failed", error_message=f"Unexpected error executing job '{job.name}': {exc}",
            execution_type="github_actions" if config.has_github else "webhook" if config.target_url else None,
        )


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id, name=job.name,
        enable_email_notifications=bool(job.enable_email_notifications),
        notify_on_success=bool(job.notify_on_success),
        emails=emails_from_text(job.notification_emails),
    )


def _load(session_factory: Callable[[], Session], execution_id: str, overrides: RunOverrides | None):
    with session_factory() as session:
        execution = session.get(JobExecution, execution_id)
        if execution is None or execution.status != "running":
            return None
        job = session.get(Job, execution.job_id)
        if job is None:
            return None
        key = idempotency_key(job_id=job.id, scheduled_for=execution.scheduled_for, execution_id=execution_id)
        return _view(job), effective_config(job, overrides), key


_RUN_COLUMNS = (
    "id", "name", "enable_email_notifications", "notify_on_success", "notification_emails",
    "target_url", "github_owner", "github_repo", "github_workflow_name", "job_metadata",
)
"""The Job attributes a run reads (`_view`, `effective_config`); loading only these is
several times cheaper than loading Job objects for a burst of 1,000 runs."""


@dataclass(frozen=True)
class ClaimedRun:
    """A claimed `running` execution with what its run needs, read in bulk for a burst.

    `note` (a catch-up or takeover run's explanation) may hold `{late}`, filled with the
    seconds between the slot and the call actually starting.
    """

    execution_id: str
    job: JobView
    config: RunConfig
    scheduled_for: datetime | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        return idempotency_key(job_id=self.job.id, scheduled_for=self.scheduled_for, execution_id=self.execution_id)


def load_claimed(session: Session, execution_ids: Sequence[str]) -> list[ClaimedRun]:
    """The executions of `execution_ids` still `running`, with their jobs, in that order.

    The scheduler's bulk twin of `_load`: one query per CLAIM_CHUNK ids instead of two
    per run, read right after the claim (in its transaction).
    """
    found: dict[str, ClaimedRun] = {}
    ids = list(execution_ids)
    columns = [getattr(Job, name).label(name) for name in _RUN_COLUMNS]
    for start in range(0, len(ids), CLAIM_CHUNK):
        rows = session.execute(
            select(JobExecution.id.label("execution_id"), JobExecution.scheduled_for.label("slot"), *columns)
            .join(Job, Job.id == JobExecution.job_id)
            .where(JobExecution.id.in_(ids[start:start + CLAIM_CHUNK]), JobExecution.status == "running")
        ).all()
        for job in rows:  # plain rows with the Job attributes _view and effective_config read
            found[job.execution_id] = ClaimedRun(job.execution_id, _view(job), effective_config(job), job.slot)
    return [found[execution_id] for execution_id in ids if execution_id in found]


@dataclass(frozen=True)
class Finished:
    """A run whose outbound call is over, waiting to be recorded.

    `completed_at` is stamped when the call ends, not when the (batched) outcome is
    written: the recorded duration is the run's, not the run's plus the batching wait.
    """

    execution_id: str
    job: JobView
    outcome: Outcome
    completed_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Recorded:
    """What `record_outcomes` wrote: the run's duration and the streak decision (alerts.decide)."""

    duration: float
    decision: alerts.Decision = None


def _wants_mail(job: JobView, settings: Settings) -> bool:
    return job.enable_email_notifications and bool(job.emails) and settings.mail_configured


def _notice(run: Finished, error: str | None) -> notify.Broadcast:
    if run.outcome.status == "success":
        return notify.Broadcast(
            "Job Completed", f'Job "{run.job.name}" completed successfully.', "success", run.job.id, run.execution_id
        )
    return notify.Broadcast("Job Failed", f'Job "{run.job.name}" failed: {error}', "error", run.job.id, run.execution_id)


def _hold_other_jobs(session: Session, job_ids: Sequence[str]) -> None:
    """FOR KEY SHARE on the jobs rows before the executions rows: a job being deleted
    locks its row, then its executions (ON DELETE CASCADE); taking the job rows first
    here keeps that order, so a run finishing while its job is deleted waits (and then
    finds its row gone) instead of deadlocking with the delete on PostgreSQL."""
    for start in range(0, len(job_ids), CLAIM_CHUNK):
        session.execute(
            select(Job.id).where(Job.id.in_(job_ids[start:start + CLAIM_CHUNK])).order_by(Job.id)
            .with_for_update(read=True, key_share=True)
        ).all()


def record_outcomes(
    session_factory: Callable[[], Session], settings: Settings, runs: Sequence[Finished]
) -> list[Recorded | None]:
    """Write the outcomes and broadcast them, in one transaction; per run, None if nothing was written.

    A row that is gone (job deleted) or no longer running (e.g. marked failed as an
    orphan meanwhile) is left alone. Runs are recorded in the order given, which is
    the order their calls ended (`Finished.completed_at`). The streak decision is taken in
    the same transaction, under a lock on the job row, so two runs of one job finishing
    at once cannot both see themselves as the streak's N-th failure (one alert, not
    two). It is only computed when an e-mail could follow; those runs are written one
    by one (update, then read the streak), all others in one executemany UPDATE.
    """
    results: list[Recorded | None] = [None] * len(runs)
    if not runs:
        return results
    threshold = settings.SCHEDULER_FAILURE_ALERT_THRESHOLD
    streak_jobs = sorted({run.job.id for run in runs if threshold >= 1 and _wants_mail(run.job, settings)})
    ids = [run.execution_id for run in runs]
    with session_factory() as session:
        begin_write(session)
        # FOR NO KEY UPDATE on PostgreSQL, in id order: serializes the runs of these jobs
        # being recorded, without blocking a new claim's foreign-key check on the job row.
        locked = set(session.scalars(
            select(Job.id).where(Job.id.in_(streak_jobs)).order_by(Job.id).with_for_update(key_share=True)
        )) if streak_jobs else set()
        _hold_other_jobs(session, sorted({run.job.id for run in runs} - set(streak_jobs)))
        started: dict[str, datetime] = {}
        for start in range(0, len(ids), CLAIM_CHUNK):
            started.update(session.execute(  # type: ignore[arg-type]
                select(JobExecution.id, JobExecution.started_at)
                .where(JobExecution.id.in_(ids[start:start + CLAIM_CHUNK]), JobExecution.status == "running")
                .order_by(JobExecution.id)
                .with_for_update()
            ).all())
        plain: list[dict[str, Any]] = []
        notices: list[notify.Broadcast] = []
        for index, run in enumerate(runs):
            started_at = started.pop(run.execution_id, None)  # pop: a duplicate is recorded once
            streak = run.job.id in streak_jobs
            if started_at is None or (streak and run.job.id not in locked):
                continue
            outcome = run.outcome
            completed = run.completed_at
            duration = max(0.0, (completed - started_at).total_seconds())
            error = outcome.error_message[:ERROR_MAX_CHARS] if outcome.error_message else None
            values = {
                "id": run.execution_id, "completed_at": completed, "duration_seconds": duration, "phase": "answered",
                "status": outcome.status, "response_status": outcome.response_status, "error_message": error,
                "output": outcome.output, "execution_type": outcome.execution_type, "target": outcome.target,
            }
            notices.append(_notice(run, error))
            decision: alerts.Decision = None
            if streak:
                session.execute(update(JobExecution), [values])
                outcomes = session.scalars(
                    alerts.recent_outcomes(run.job.id, limit=alerts.outcomes_needed(threshold))
                ).all()
                decision = alerts.decide(outcomes, threshold)
            else:
                plain.append(values)
            results[index] = Recorded(duration=duration, decision=decision)
        if plain:
            session.execute(update(JobExecution), plain)
        notify.broadcast_many(session, notices)
        session.commit()
    return results


def _mail_for(job: JobView, outcome: Outcome, recorded: Recorded, threshold: int) -> mail.MailContent | None:
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


def deliver_mail(
    session_factory: Callable[[], Session],
    settings: Settings,
    mailer: mail.Mailer | None,
    run: Finished,
    recorded: Recorded,
) -> None:
    """The e-mail of a recorded run, if any (D14); a failed send is noted, never raised.

    `mailer` defaults to `SmtpMailer(settings)`; mail is skipped anyway unless
    `settings.mail_configured`.
    """
    content = _mail_for(run.job, run.outcome, recorded, settings.SCHEDULER_FAILURE_ALERT_THRESHOLD)
    if content is None:
        return
    reason = mail.deliver(mailer or mail.SmtpMailer(settings), settings, run.job.emails, content)
    if reason is not None:
        _record_mail_failure(session_factory, run.execution_id, reason)


def run_execution(
    *,
    session_factory: Callable[[], Session],
    settings: Settings,
    execution_id: str,
    overrides: RunOverrides | None = None,
    mailer: mail.Mailer | None = None,
    retry_policy: github.RetryPolicy | None = None,
) -> str | None:
    """Run a claimed (committed, `running`) execution to its end and record it; the
    recorded status (None when nothing was recorded).

    The one-run path (execute now, test run, a lone scheduled slot); a burst of
    scheduled runs goes through the same `perform`, `record_outcomes` and
    `deliver_mail`, in batches.
    """
    try:
        loaded = _load(session_factory, execution_id, overrides)
        if loaded is None:
            log.info("Execution %s is gone or already finished; nothing to run", execution_id)
            return None
        job, config, key = loaded
        mark_sending(session_factory, [execution_id])
        run = Finished(execution_id, job, perform(job, config, settings, policy=retry_policy, key=key))
        store_answer(session_factory, run)
        recorded = record_outcomes(session_factory, settings, [run])[0]
        if recorded is not None:
            deliver_mail(session_factory, settings, mailer, run, recorded)
            return run.outcome.status
    except Exception:  # the run is in a background thread: log, never propagate
        log.exception("Recording execution %s failed", execution_id)
    return None


def mark_sending(session_factory: Callable[[], Session], execution_ids: Sequence[str]) -> None:
    """Phase `sending` (and one more send attempt) for runs about to call, in one transaction.

    Written before the calls start: a leader that dies after this line may or may not
    have reached the target, and its successor resends once with the same key.
    """
    ids = list(execution_ids)
    if not ids:
        return
    with session_factory() as session:
        begin_write(session)
        for start in range(0, len(ids), CLAIM_CHUNK):
            session.execute(
                update(JobExecution)
                .where(JobExecution.id.in_(ids[start:start + CLAIM_CHUNK]), JobExecution.status == "running")
                .values(phase="sending", send_attempts=JobExecution.send_attempts + 1)
            )
        session.commit()


def store_answer(session_factory: Callable[[], Session], run: Finished) -> None:
    """Phase `answered`: the call's answer on the still-`running` row, before the record.

    A leader that dies between this and `record_outcomes` leaves a run its successor
    only has to finish (`answered_outcome`), never to send again.
    """
    outcome = run.outcome
    with session_factory() as session:
        begin_write(session)
        session.execute(
            update(JobExecution)
            .where(JobExecution.id == run.execution_id, JobExecution.status == "running")
            .values(
                phase="answered", completed_at=run.completed_at, response_status=outcome.response_status,
                error_message=outcome.error_message[:ERROR_MAX_CHARS] if outcome.error_message else None,
                output=outcome.output, execution_type=outcome.execution_type, target=outcome.target,
            )
        )
        session.commit()


def answered_outcome(execution: JobExecution) -> Outcome:
    """The outcome `store_answer` kept on a row (every failed outcome carries an error message)."""
    return Outcome(
        status="failed" if execution.error_message else "success",
        error_message=execution.error_message, response_status=execution.response_status,
        output=execution.output, execution_type=execution.execution_type, target=execution.target,
    )
