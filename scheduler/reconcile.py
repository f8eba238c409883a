"""Reconcile the leader's APScheduler jobs with the `jobs` table, incrementally.

Either stack (or a script) may write a job; the leader sees it on its next pass. A pass
is one narrow scan — (id, updated_at, is_active, cron_expression, end_date) — diffed
against the signatures of the previous pass, so only new, changed and deleted jobs touch
APScheduler; 10,000 unchanged jobs cost one query and a dictionary walk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.runner import expired, today_in
from scheduler.trigger import EngineCronTrigger
from shared_models.clock import utcnow
from shared_models.cron import CronError
from shared_models.db import begin_write
from shared_models.models import Job
from shared_models.settings import Settings

log = logging.getLogger(__name__)

Signature = tuple[datetime | None, bool, str, date | None]


@dataclass(frozen=True)
class Scheduled:
    """A job (re)added to APScheduler by a pass: the catch-up check needs these."""

    job_id: str
    trigger: EngineCronTrigger
    updated_at: datetime


@dataclass
class PassResult:
    added: list[Scheduled] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    scanned: int = 0


class Reconciler:
    """Holds the last pass's signatures; `run()` applies the difference.

    `schedule(job_id, trigger)` adds or replaces an APScheduler job; `unschedule(job_id)`
    removes one (and must tolerate a job that is already gone).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: Callable[[], Session],
        schedule: Callable[[str, EngineCronTrigger], None],
        unschedule: Callable[[str], None],
    ) -> None:
        self.settings = settings
        self.tz: tzinfo = settings.timezone
        self.session_factory = session_factory
        self.schedule = schedule
        self.unschedule = unschedule
        self.known: dict[str, Signature] = {}
        self.scheduled: set[str] = set()
        self.today: date | None = None

    def run(self) -> PassResult:
        result = PassResult()
        today = today_in(self.settings)
        new_day = today != self.today
        with self.session_factory() as session:
            rows = session.execute(
                select(Job.id, Job.updated_at, Job.is_active, Job.cron_expression, Job.end_date)
            ).all()
            session.rollback()
        result.scanned = len(rows)
        seen: set[str] = set()
        to_pause: list[str] = []
        for job_id, updated_at, is_active, expression, end_date in rows:
            seen.add(job_id)
            signature: Signature = (updated_at, bool(is_active), expression, end_date)
            changed = self.known.get(job_id) != signature
            if not changed and not (new_day and end_date is not None):
                continue
            self.known[job_id] = signature
            if is_active and expired(end_date, today):
                to_pause.append(job_id)  # §5.2 step 2: paused silently, never fired
                self._drop(job_id, result)
                continue
            if not is_active:
                self._drop(job_id, result)
                continue
            if not changed and job_id in self.scheduled:
                continue  # a new day that does not expire it
            try:
                trigger = EngineCronTrigger(expression, self.tz)
            except CronError as exc:
                log.warning("scheduler: job %s has an invalid cron %r: %s", job_id, expression, exc)
                result.invalid.append(job_id)
                self._drop(job_id, result)
                continue
            self.schedule(job_id, trigger)
            self.scheduled.add(job_id)
            result.added.append(Scheduled(job_id, trigger, updated_at))
        for job_id in set(self.known) - seen:
            del self.known[job_id]
            self._drop(job_id, result)
        if to_pause:
            result.paused = self._pause(to_pause, today)
        self.today = today
        return result

    def _drop(self, job_id: str, result: PassResult) -> None:
        if job_id in self.scheduled:
            self.scheduled.discard(job_id)
            self.unschedule(job_id)
            result.removed.append(job_id)

    def _pause(self, job_ids: list[str], today: date) -> list[str]:
        with self.session_factory() as session:
            begin_write(session)
            paused = list(
                session.scalars(
                    update(Job)
                    .where(Job.id.in_(job_ids), Job.is_active.is_(True), Job.end_date < today)
                    .values(is_active=False, updated_at=utcnow())
                    .returning(Job.id)
                )
            )
            session.commit()
        if paused:
            log.info("scheduler: paused %d job(s) past their end_date", len(paused))
        return paused
