"""When a job's run history deserves one alert e-mail or one recovery notice.

Beyond the legacy behaviour: after `threshold` consecutive failed runs a job gets one
alert (not one per further failure), and the first success after such a streak gets one
recovery notice. The decision is a pure function of the job's recent outcomes, so the
executor can call it after recording a run, and tests need no database.

How the executor uses it, after `_record` committed the outcome of a run:

    outcomes = session.scalars(recent_outcomes(job_id, limit=outcomes_needed(threshold))).all()
    match decide(outcomes, threshold):
        case "alert": send the alert e-mail
        case "recovery": send the recovery e-mail
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Select, select

from shared_models.models import JobExecution

Decision = Literal["alert", "recovery"] | None
MISSED_RUN_PREFIX = "Missed run"
"""error_message prefix of a slot the scheduler recorded as missed: not a run outcome."""


def outcomes_needed(threshold: int) -> int:
    """How many recent outcomes `decide` must see: the streak plus the run that ends it."""
    return max(1, threshold) + 1


def _leading_failures(outcomes: Sequence[str]) -> int:
    count = 0
    for status in outcomes:
        if status != "failed":
            break
        count += 1
    return count


def decide(outcomes: Sequence[str], threshold: int) -> Decision:
    """Outcomes are the job's finished runs' statuses, newest first, the new one included.

    - "alert" exactly when the newest run makes the failure streak reach `threshold`;
    - "recovery" when the newest run succeeded and the streak before it had reached it;
    - None otherwise (including `threshold` < 1, which turns alerts off).
    """
    if threshold < 1 or not outcomes:
        return None
    if outcomes[0] == "failed":
        return "alert" if _leading_failures(outcomes) == threshold else None
    if outcomes[0] == "success" and _leading_failures(outcomes[1:]) >= threshold:
        return "recovery"
    return None


def recent_outcomes(job_id: str, *, limit: int) -> Select[tuple[str]]:
    """The statuses `decide` needs: finished runs of the job, newest first.

    Running rows and slots recorded as missed (no run happened) are left out; manual and
    scheduled runs both count. Ties on `completed_at` are broken by id (D18).
    """
    return (
        select(JobExecution.status)
        .where(
            JobExecution.job_id == job_id,
            JobExecution.status.in_(("success", "failed")),
            JobExecution.completed_at.is_not(None),
            (JobExecution.error_message.is_(None))
            | (JobExecution.error_message.not_like(f"{MISSED_RUN_PREFIX}%")),
        )
        .order_by(JobExecution.completed_at.desc(), JobExecution.id.desc())
        .limit(limit)
    )
