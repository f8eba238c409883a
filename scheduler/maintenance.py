"""Weekly end-date maintenance (API_CONTRACT.md §5.8), Mondays 09:00 in the scheduler tz.

Notifications are written in one transaction; Slack is posted after the commit, so a
slow Slack never holds the database's write lock.

Exactly once per slot, across a leader's death (issue 15): `run_once` writes a
`maintenance_runs` row, keyed by the slot, in the same transaction as the pauses and
notifications, with the Slack texts still to post; each post advances `posted`. A
leader that died before the commit applied nothing, and its successor runs the slot
(`resume`, within SCHEDULER_MISFIRE_GRACE_SECONDS); one that died after it left the row,
and its successor only posts what was not posted yet (at most the one post in flight
when it died is sent twice: Slack has no idempotency key).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.trigger import EngineCronTrigger
from shared_models import notify, slack
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.models import Job, MaintenanceRun, PicTeam
from shared_models.settings import Settings

log = logging.getLogger(__name__)

JOB_ID = "end_date_maintenance"
JOB_NAME = "End date maintenance"
CRON = "0 9 * * 1"  # standard cron: Monday = 1
REMINDER_DAYS = 30


@dataclass
class MaintenanceResult:
    paused: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    slack_posts: int = 0
    slack_failures: int = 0


def run_maintenance(
    *, session_factory: Callable[[], Session], settings: Settings, today: date
) -> MaintenanceResult:
    """Apply the maintenance of `today` and post to Slack (no once-per-slot record: `run_once`)."""
    with session_factory() as session:
        begin_write(session)
        result, messages, slack_target = _apply(session, settings, today)
        session.commit()
    if slack_target is not None:
        for text in messages:
            if slack.post(settings, slack_target, text):
                result.slack_posts += 1
            else:
                result.slack_failures += 1
    _log(result)
    return result


def _apply(session: Session, settings: Settings, today: date) -> tuple[MaintenanceResult, list[str], object]:
    """The database half, in the caller's write transaction: (result, Slack texts, Slack target)."""
    result = MaintenanceResult()
    messages: list[str] = []
    teams = {team.slug: team for team in session.scalars(select(PicTeam))}
    slack_target = slack.target(session)
    expired = session.scalars(
        select(Job).where(Job.is_active.is_(True), Job.end_date < today).order_by(Job.end_date, Job.id)
    ).all()
    for job in expired:
        job.is_active = False
        end = job.end_date.isoformat()
        notify.notify_owner_and_admins(
            session, owner_id=job.created_by, title="Job auto-paused (end date passed)",
            message=(
                f'Job "{job.name}" passed its end_date ({end} JST) and was auto-paused. '
                f"PIC Team: {job.pic_team or '-'}"
            ),
            type="warning", related_job_id=job.id,
        )
        result.paused.append(job.id)
        messages.append(slack.expired_text(
            settings, job_id=job.id, name=job.name, end_date=job.end_date, team=teams.get(job.pic_team or ""),
        ))
    ending = session.scalars(
        select(Job)
        .where(Job.end_date >= today, Job.end_date <= today + timedelta(days=REMINDER_DAYS))
        .order_by(Job.end_date, Job.id)
    ).all()
    for job in ending:
        days_left = (job.end_date - today).days
        notify.notify_owner_and_admins(
            session, owner_id=job.created_by, title="Job ending soon",
            message=(
                f'Job "{job.name}" ends on {job.end_date.isoformat()} JST ({days_left} day(s) left). '
                f"PIC Team: {job.pic_team or '-'}"
            ),
            type="warning", related_job_id=job.id,
        )
        result.reminded.append(job.id)
        messages.append(slack.ending_soon_text(
            settings, job_id=job.id, name=job.name, end_date=job.end_date, days_left=days_left,
            team=teams.get(job.pic_team or ""),
        ))
    return result, messages, slack_target


def run_once(
    *, session_factory: Callable[[], Session], settings: Settings, slot: datetime, today: date
) -> MaintenanceResult | None:
    """Apply the maintenance of `slot` unless some leader already did; None if it did."""
    with session_factory() as session:
        begin_write(session)
        if session.get(MaintenanceRun, (JOB_ID, slot)) is not None:
            session.rollback()
            log.info("end-date maintenance of %s already applied", slot.isoformat())
            return None
        result, messages, slack_target = _apply(session, settings, today)
        session.add(MaintenanceRun(
            name=JOB_ID, slot=slot, applied_at=utcnow(), posted=0,
            messages=json.dumps(messages if slack_target is not None else []),
        ))
        try:
            session.commit()
        except IntegrityError:  # another leader's commit won the slot: nothing of ours applied
            session.rollback()
            return None
    _post_pending(session_factory, settings, slot, result)
    _log(result)
    return result


def _post_pending(
    session_factory: Callable[[], Session], settings: Settings, slot: datetime, result: MaintenanceResult
) -> None:
    """Post the slot's Slack texts not posted yet, advancing `posted` after each."""
    with session_factory() as session:
        row = session.get(MaintenanceRun, (JOB_ID, slot))
        texts: list[str] = json.loads(row.messages) if row is not None else []
        start = row.posted if row is not None else 0
        target = slack.target(session) if start < len(texts) else None
        session.rollback()
    for index in range(start, len(texts)):
        if target is not None and slack.post(settings, target, texts[index]):
            result.slack_posts += 1
        else:
            result.slack_failures += 1
        _advance(session_factory, slot, posted=index + 1)
    if row is not None:
        _advance(session_factory, slot, posted=len(texts), finished=True)


def _advance(session_factory: Callable[[], Session], slot: datetime, *, posted: int, finished: bool = False) -> None:
    with session_factory() as session:
        begin_write(session)
        values: dict[str, object] = {"posted": posted}
        if finished:
            values["finished_at"] = utcnow()
        session.execute(
            update(MaintenanceRun).where(MaintenanceRun.name == JOB_ID, MaintenanceRun.slot == slot).values(**values)
        )
        session.commit()


def resume(*, session_factory: Callable[[], Session], settings: Settings) -> MaintenanceResult | None:
    """At leader start: finish a maintenance a dead leader left half posted, and run the
    latest slot if nobody applied it and it is at most SCHEDULER_MISFIRE_GRACE_SECONDS old."""
    result: MaintenanceResult | None = None
    with session_factory() as session:
        unfinished = list(session.scalars(
            select(MaintenanceRun.slot).where(MaintenanceRun.name == JOB_ID, MaintenanceRun.finished_at.is_(None))
        ))
        session.rollback()
    for slot in unfinished:
        result = MaintenanceResult()
        _post_pending(session_factory, settings, slot, result)
    now = utcnow()
    grace = timedelta(seconds=settings.SCHEDULER_MISFIRE_GRACE_SECONDS)
    trigger = EngineCronTrigger(CRON, settings.timezone)
    latest = trigger.first_slot_at_or_after(now - grace)
    if latest <= now:
        today = now.astimezone(settings.timezone).date()
        result = run_once(session_factory=session_factory, settings=settings, slot=latest, today=today) or result
    return result


def _log(result: MaintenanceResult) -> None:
    log.info(
        "end-date maintenance: %d paused, %d reminded, %d Slack posts (%d failed)",
        len(result.paused), len(result.reminded), result.slack_posts, result.slack_failures,
    )
