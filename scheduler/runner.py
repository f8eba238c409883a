"""Firing one slot exactly once, catching up missed slots, and cleaning up orphans.

(Runs a dead leader left `running` with a phase are resolved by scheduler.takeover; only
rows without one, older than migration 0008, and stale manual runs are failed here.)

Exactly once rests on the database, not on the leader lock: `claim_execution` inserts
the `running` row under the unique key (job_id, scheduled_for) and that row is committed
before any outbound call. A second claim of the same slot (a late duplicate, a split
brain) gets None and does nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import metrics
from scheduler.recorder import OutcomeRecorder
from scheduler.trigger import EngineCronTrigger
from shared_models import executor, notify
from shared_models.alerts import MISSED_RUN_PREFIX
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.mail import Mailer
from shared_models.models import Job, JobExecution
from shared_models.outbound.http import ThreadClients
from shared_models.outbound.ssrf import RecentResolutions
from shared_models.settings import Settings

log = logging.getLogger(__name__)

ORPHAN_MESSAGE = (
    "Interrupted: the scheduler process running this execution stopped before it finished "
    "(marked failed when the next scheduler leader started at {now})."
)
STALE_MANUAL_RUN = timedelta(hours=1)
"""A manual run is executed by a gateway process, which may still be alive at leader
start; only one `running` for longer than any outbound call could last is an orphan."""
IN_CHUNK = 500
MAX_COUNTED_MISSED = 50
"""Missed slots are counted for the note only; a long outage reads "50 or more"."""
LATE = "{late}"
"""Placeholder in a run's note for its real lateness, filled when its call starts."""


def fill_note(note: str, slot: datetime | None) -> str:
    """`note` with LATE replaced by the seconds between `slot` and now (the call's start)."""
    if LATE not in note:
        return note
    late = max(0.0, (utcnow() - slot).total_seconds()) if slot is not None else 0.0
    return note.replace(LATE, f"{late:.1f}")


def with_note(output: str | None, note: str) -> str:
    return f"{note}\n{output}" if output else note


def today_in(settings: Settings) -> date:
    return utcnow().astimezone(settings.timezone).date()


def expired(end_date: date | None, today: date) -> bool:
    return end_date is not None and end_date < today


def _count(n: int) -> str:
    return f"{n} or more" if n >= MAX_COUNTED_MISSED - 1 else str(n)


@dataclass(frozen=True)
class MissedPlan:
    """What to do about the slots in (baseline, now] that nobody fired."""

    latest: datetime
    first: datetime
    count: int  # capped at MAX_COUNTED_MISSED
    run: bool  # True: run `latest` once (late); False: record it as missed
    note: str


def plan_missed(
    trigger: EngineCronTrigger, *, baseline: datetime, now: datetime, policy: str, grace_seconds: float
) -> MissedPlan | None:
    """Pure: the missed-run decision for one job (SCHEDULER_MISSED_RUNS skip | once).

    'once' runs the latest missed slot if it is at most `grace_seconds` old; every other
    case records that slot as missed, so the next leader does not count it again.
    """
    first = trigger.next_slot(baseline)
    if first > now:
        return None
    # The latest slot <= now, without walking a long outage slot by slot: look back
    # from `now` through a window that doubles until it holds a slot.
    latest = first
    window = timedelta(seconds=max(60.0, grace_seconds))
    while now - window > latest:
        candidate = trigger.first_slot_at_or_after(now - window)
        if candidate <= now:
            latest = candidate
            break
        window *= 2
    while (following := trigger.next_slot(latest)) <= now:
        latest = following
    count, slot = 1, first
    while slot < latest and count < MAX_COUNTED_MISSED:
        slot = trigger.next_slot(slot)
        count += 1
    late = (now - latest).total_seconds()
    run = policy == "once" and late <= grace_seconds
    earlier = count - 1
    when = latest.isoformat()
    if run:
        note = (
            f"Catch-up run (SCHEDULER_MISSED_RUNS=once): slot {when} was missed while no scheduler "
            f"leader was running; fired {LATE} s late."
        )
        if earlier:
            note += f" {_count(earlier)} earlier missed slot(s) since {first.isoformat()} were skipped."
    else:
        reason = "SCHEDULER_MISSED_RUNS=skip" if policy != "once" else (
            f"beyond the {grace_seconds:.0f} s grace window"
        )
        note = (
            f"{MISSED_RUN_PREFIX}: slot {when} was not fired because no scheduler leader was "
            f"running; skipped ({reason})."
        )
        if earlier:
            note += f" {_count(earlier)} earlier missed slot(s) since {first.isoformat()} were skipped too."
    return MissedPlan(latest=latest, first=first, count=count, run=run, note=note)


class Runner:
    """Fires slots for the leader: claim, commit, then run through the shared executor.

    A lone slot (`fire`) runs as `executor.run_execution` does. A burst (`claim_burst`,
    then `run_claimed` per run on the batcher's pool) reads its jobs with the claim,
    makes each call, and leaves the outcomes to `recorder`, which writes them in batches
    (`record`); without a recorder each outcome is recorded at once.
    """

    def __init__(
        self,
        settings: Settings,
        session_factory: Callable[[], Session],
        *,
        mailer: Mailer | None = None,
        on_paused: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.mailer = mailer
        self.on_paused = on_paused
        self.recorder: OutcomeRecorder | None = None
        self.resolutions = RecentResolutions()
        """The D11 check's DNS answers, reused for a few seconds across a burst's calls."""
        self.clients = ThreadClients()
        """The run threads' own HTTP clients (`clients.bind` is the run pool's initializer)."""
        self.notes: dict[tuple[str, datetime], str] = {}
        """Notes of catch-up slots submitted to the burst path, attached when they are claimed."""

    def fire(self, job_id: str, slot: datetime, *, note: str | None = None) -> str | None:
        """Claim and run (job, slot); the execution id, or None if not fired.

        A catch-up slot whose batched claim failed brings its note (`notes`) here.
        """
        pending = self.notes.pop((job_id, slot), None)
        if note is None and pending is not None:
            note = fill_note(pending, slot)
        with self.session_factory() as session:
            begin_write(session)
            job = session.get(Job, job_id)
            if job is None or not job.is_active:
                return None
            today = today_in(self.settings)
            if expired(job.end_date, today):
                self._pause_expired(session, job)
                return None
            execution = executor.claim_execution(session, job=job, trigger_type="scheduled", scheduled_for=slot)
            if execution is None:
                session.rollback()
                log.info("scheduler: slot %s of job %s was already claimed", slot.isoformat(), job_id)
                return None
            execution_id = execution.id
            session.commit()
        metrics.observe_lateness([slot])
        self.run(execution_id, trigger="catch_up" if note else "scheduled")
        if note:
            self._prepend_output(execution_id, note)
        return execution_id

    def claim_due(self, slots: list[tuple[str, datetime]]) -> list[str]:
        """Claim many due (job_id, slot) pairs in ONE write transaction; the execution ids.

        What `fire` checks per slot, for a burst: missing and inactive jobs are skipped,
        an expired job is paused (through `fire`, after the batch) and never claimed. The
        caller runs the returned executions (`run`), outside any transaction.
        """
        return self._claim(slots, load=False)[0]

    def claim_burst(self, slots: list[tuple[str, datetime]]) -> list[executor.ClaimedRun]:
        """`claim_due`, returning each claimed run with its job, read in the same transaction."""
        return self._claim(slots, load=True)[1]

    def _claim(
        self, slots: list[tuple[str, datetime]], *, load: bool
    ) -> tuple[list[str], list[executor.ClaimedRun]]:
        if not slots:
            return [], []
        job_ids = list(dict.fromkeys(job_id for job_id, _slot in slots))
        expired_jobs: dict[str, datetime] = {}
        with self.session_factory() as session:
            begin_write(session)
            jobs: dict[str, tuple[bool, date | None]] = {}
            for start in range(0, len(job_ids), IN_CHUNK):
                rows = session.execute(
                    select(Job.id, Job.is_active, Job.end_date).where(Job.id.in_(job_ids[start:start + IN_CHUNK]))
                ).all()
                jobs.update({job_id: (bool(active), end) for job_id, active, end in rows})
            today = today_in(self.settings)
            due: list[tuple[str, datetime]] = []
            for job_id, slot in slots:
                active, end_date = jobs.get(job_id, (False, None))
                if not active:
                    continue
                if expired(end_date, today):
                    expired_jobs.setdefault(job_id, slot)
                    continue
                due.append((job_id, slot))
            claimed = executor.claim_scheduled(session, due)
            metrics.observe_lateness(slot for _job_id, slot in claimed)
            ids = [claimed[pair] for pair in dict.fromkeys(due) if pair in claimed]  # each pair once
            runs = [self._noted(run) for run in executor.load_claimed(session, ids)] if load else []
            session.commit()
        for pair in due:
            self.notes.pop(pair, None)  # claimed now or by someone before: the note is done with
        skipped = len(due) - len(claimed)
        if skipped:
            log.info("scheduler: %d slot(s) of this burst were already claimed", skipped)
        for job_id, slot in expired_jobs.items():
            self.fire(job_id, slot)  # re-checks under its own lock and pauses the job
        return ids, runs

    def _noted(self, run: executor.ClaimedRun) -> executor.ClaimedRun:
        note = self.notes.get((run.job.id, run.scheduled_for)) if run.scheduled_for else None
        return dataclasses.replace(run, note=note) if note else run

    def mark_sending(self, runs: Sequence[executor.ClaimedRun]) -> None:
        """Phase `sending` for claimed runs about to be handed to the run pool (one transaction)."""
        executor.mark_sending(self.session_factory, [run.execution_id for run in runs])

    def run_claimed(self, run: executor.ClaimedRun) -> None:
        """Make the call of a claimed run (from `claim_burst`) and hand its outcome to the recorder.

        Its phase is `sending` already (`mark_sending`, before the runs were released).
        """
        note = fill_note(run.note, run.scheduled_for) if run.note else None
        outcome = executor.perform(run.job, run.config, self.settings, resolver=self.resolutions, key=run.key)
        if note:
            outcome.output = with_note(outcome.output, note)
        finished = executor.Finished(run.execution_id, run.job, outcome)
        if self.recorder is not None:
            self.recorder.submit(finished)
            return
        for task in self.record([finished]):
            task()

    def record(self, batch: list[executor.Finished]) -> list[Callable[[], object]]:
        """Record finished runs in one transaction; the e-mails to send afterwards."""
        recorded = executor.record_outcomes(self.session_factory, self.settings, batch)
        for run, result in zip(batch, recorded, strict=True):
            if result is not None:
                metrics.count_execution(run.outcome.status)
        return [
            functools.partial(executor.deliver_mail, self.session_factory, self.settings, self.mailer, run, result)
            for run, result in zip(batch, recorded, strict=True)
            if result is not None and run.job.enable_email_notifications and run.job.emails
        ]

    def run(self, execution_id: str, *, trigger: str = "scheduled") -> None:
        """Run one claimed (committed) execution to its end through the shared executor."""
        status = executor.run_execution(
            session_factory=self.session_factory, settings=self.settings,
            execution_id=execution_id, mailer=self.mailer,
        )
        metrics.count_execution(status, trigger)

    def record_missed(self, job_id: str, slot: datetime, note: str) -> str | None:
        """Claim the slot and close it at once as failed, with `note` as the reason."""
        with self.session_factory() as session:
            begin_write(session)
            job = session.get(Job, job_id)
            if job is None:
                return None
            execution = executor.claim_execution(session, job=job, trigger_type="scheduled", scheduled_for=slot)
            if execution is None:
                session.rollback()
                return None
            now = utcnow()
            execution.status = "failed"
            execution.phase = None  # never sent, by decision
            execution.completed_at = now
            execution.duration_seconds = 0.0
            execution.error_message = note
            session.commit()
            metrics.count_execution("missed", "catch_up")
            return execution.id

    def record_missed_many(self, missed: Sequence[tuple[str, MissedPlan]]) -> int:
        """`record_missed` for many jobs in one transaction (a catch-up after an outage)."""
        if not missed:
            return 0
        notes = {(job_id, plan.latest): plan.note for job_id, plan in missed}
        with self.session_factory() as session:
            begin_write(session)
            present = set()
            ids = list(dict.fromkeys(job_id for job_id, _plan in missed))
            for start in range(0, len(ids), IN_CHUNK):
                present.update(session.scalars(select(Job.id).where(Job.id.in_(ids[start:start + IN_CHUNK]))))
            claimed = executor.claim_scheduled(session, [pair for pair in notes if pair[0] in present])
            now = utcnow()
            if claimed:
                session.execute(update(JobExecution), [
                    {"id": execution_id, "status": "failed", "completed_at": now, "duration_seconds": 0.0,
                     "error_message": notes[pair], "phase": None}
                    for pair, execution_id in claimed.items()
                ])
            session.commit()
        return len(claimed)

    def handle_missed(self, job_id: str, plan: MissedPlan) -> str | None:
        if plan.run:
            return self.fire(job_id, plan.latest, note=fill_note(plan.note, plan.latest))
        return self.record_missed(job_id, plan.latest, plan.note)

    def _pause_expired(self, session: Session, job: Job) -> None:
        """§5.4 step 3: the run-time expiry guard (pause, tell the owner and admins)."""
        job.is_active = False
        notify.notify_owner_and_admins(
            session, owner_id=job.created_by,
            title="Job auto-paused (end date passed)",
            message=f'Job "{job.name}" passed its end_date ({job.end_date.isoformat()} JST) and was auto-paused.',
            type="warning", related_job_id=job.id,
        )
        session.commit()
        if self.on_paused is not None:
            self.on_paused(job.id)

    def _prepend_output(self, execution_id: str, note: str) -> None:
        with self.session_factory() as session:
            begin_write(session)
            execution = session.get(JobExecution, execution_id)
            if execution is not None:
                execution.output = f"{note}\n{execution.output}" if execution.output else note
            session.commit()


def fail_orphans(session: Session, *, phased: bool = True) -> int:
    """Mark `running` rows left by a dead leader as failed; returns how many.

    Scheduled rows: at leader start nobody else can be running them (the previous holder
    of the lock is gone); with `phased=False` only those without a phase (older than
    migration 0008), the others being resolved by scheduler.takeover. Manual rows belong
    to gateway processes; only stale ones go.
    """
    now = utcnow()
    scheduled = JobExecution.trigger_type == "scheduled"
    if not phased:
        scheduled = scheduled & JobExecution.phase.is_(None)
    rows = session.execute(
        select(JobExecution.id, JobExecution.started_at).where(
            JobExecution.status == "running",
            scheduled | ((JobExecution.trigger_type != "scheduled") & (JobExecution.started_at < now - STALE_MANUAL_RUN)),
        )
    ).all()
    message = ORPHAN_MESSAGE.format(now=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for execution_id, started_at in rows:
        session.execute(
            update(JobExecution)
            .where(JobExecution.id == execution_id, JobExecution.status == "running")
            .values(
                status="failed", completed_at=now, error_message=message,
                duration_seconds=max(0.0, (now - started_at).total_seconds()),
            )
        )
    return len(rows)
