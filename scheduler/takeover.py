"""What a new leader does with the runs its predecessor left `running` (issue 15).

Each scheduled run's phase was written before each step (shared_models.executor), so:

| phase when the leader died | what the new leader does |
|---|---|
| `claimed` (nothing sent) | sends it now, late; the note gives its real lateness |
| `sending`, first attempt | sends it once more with the SAME Idempotency-Key; the note says the first outcome is unknown |
| `sending`, after that resend | records it failed, outcome unknown: never a third call |
| `answered` | only finishes the record from the answer stored on the row |
| none (a row older than migration 0008) | failed as "Interrupted", as before |

Nothing claimed is dropped, and nothing is sent twice except that one keyed resend.
Manual runs belong to gateway processes and keep the old rule (only stale ones fail).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.runner import LATE, fail_orphans
from shared_models import executor
from shared_models.clock import utcnow
from shared_models.models import JobExecution
from shared_models.settings import Settings

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 2
"""The first call and the one keyed resend."""
NEVER_SENT_NOTE = (
    "Takeover: the scheduler leader that claimed this slot stopped before sending it; "
    f"sent by the next leader, {LATE} s after the slot."
)
RESEND_NOTE = (
    "Takeover: the first outcome is unknown (the scheduler leader stopped while the call "
    "was in flight); sent once more with the same Idempotency-Key, "
    f"{LATE} s after the slot."
)
GAVE_UP_MESSAGE = (
    "Outcome unknown: the scheduler leader stopped while this run's keyed resend was in "
    "flight, and it is not sent a third time (Idempotency-Key {key})."
)


@dataclass
class TakeoverPlan:
    """What `plan` found; `send` runs go to the run pool, `finish` runs to the recorder."""

    send: list[executor.ClaimedRun] = field(default_factory=list)
    finish: list[executor.Finished] = field(default_factory=list)
    failed: int = 0
    resent: int = 0
    gave_up: int = 0


def plan(session: Session) -> TakeoverPlan:
    """Resolve the running rows in the caller's write transaction; the caller commits,
    then runs `send` (through `mark_sending`) and records `finish`."""
    result = TakeoverPlan(failed=fail_orphans(session, phased=False))
    rows = session.execute(
        select(JobExecution.id, JobExecution.phase, JobExecution.send_attempts, JobExecution.started_at).where(
            JobExecution.status == "running", JobExecution.trigger_type == "scheduled",
            JobExecution.phase.is_not(None),
        )
    ).all()
    by_id = {row.id: row for row in rows}
    loaded = {run.execution_id: run for run in executor.load_claimed(session, list(by_id))}
    now = utcnow()
    for execution_id, row in by_id.items():
        run = loaded.get(execution_id)
        if run is None:
            continue
        if row.phase == "answered":
            execution = session.get(JobExecution, execution_id)
            assert execution is not None
            result.finish.append(executor.Finished(
                execution_id, run.job, executor.answered_outcome(execution), execution.completed_at or now,
            ))
        elif row.phase == "sending" and row.send_attempts >= MAX_SEND_ATTEMPTS:
            session.execute(
                update(JobExecution).where(JobExecution.id == execution_id, JobExecution.status == "running")
                .values(status="failed", completed_at=now, error_message=GAVE_UP_MESSAGE.format(key=run.key),
                        duration_seconds=max(0.0, (now - row.started_at).total_seconds()))
            )
            result.gave_up += 1
        elif row.phase == "sending":
            result.send.append(replace(run, note=RESEND_NOTE))
            result.resent += 1
        else:
            result.send.append(replace(run, note=NEVER_SENT_NOTE))
    return result


def finish(session_factory: Callable[[], Session], settings: Settings, runs: list[executor.Finished]) -> int:
    """Record answered runs whose record a dead leader did not finish."""
    if not runs:
        return 0
    recorded = executor.record_outcomes(session_factory, settings, runs)
    return sum(result is not None for result in recorded)
