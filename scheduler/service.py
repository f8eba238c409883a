"""What the leader runs: APScheduler, the reconcile passes, catch-up and maintenance.

Only the holder of the leader lock builds a `LeaderService` (see candidate.py). Its
APScheduler uses an in-memory job store (a shared store runs jobs twice, DESIGN.md
pitfalls) and `SlotExecutor`, which hands each job the *slot* it fires for, so the
slot, not APScheduler's bookkeeping, is what gets claimed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import maintenance, takeover
from scheduler.claims import RUN_WORKERS, ClaimBatcher
from scheduler.reconcile import Reconciler, Scheduled
from scheduler.recorder import OutcomeRecorder
from scheduler.runner import MissedPlan, Runner, plan_missed, today_in
from scheduler.trigger import EngineCronTrigger
from shared_models import scheduler_status
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.housekeeping import purge_expired
from shared_models.mail import Mailer
from shared_models.models import JobExecution
from shared_models.settings import Settings

log = logging.getLogger(__name__)

FIRE_WORKERS = 20  # §5.1: a 20-thread pool
MAX_INSTANCES = 100
"""Runs of one job may overlap (a slow target, a fast cron); APScheduler must never skip
a slot because the previous run is still going."""
CRON_EXECUTOR = "claims"
"""APScheduler executor alias of the jobs' cron triggers (the batched claim path)."""
IN_CHUNK = 500
HOUSEKEEPING_SECONDS = 600.0


class SlotExecutor(BasePoolExecutor):
    """A thread pool that calls `func(job_id, slot)` for each due fire time.

    APScheduler's own `run_job` neither passes the fire time to the function nor lets a
    late run through past `misfire_grace_time` (1 s by default); lateness is the
    runner's business here, and the slot is the claim key.
    """

    # APScheduler checks a job's function against its stored args, so the functions
    # registered with this executor take `*job_id_and_slot`.

    def __init__(self, max_workers: int = FIRE_WORKERS) -> None:
        super().__init__(
            concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix="scheduler-fire")
        )

    def _do_submit_job(self, job, run_times):  # noqa: ANN001 - APScheduler's signature
        def run() -> None:
            for run_time in run_times:
                trigger = job.trigger
                slot = trigger.slot_for(run_time) if isinstance(trigger, EngineCronTrigger) else run_time
                try:
                    job.func(job.id, slot)
                except Exception:
                    log.exception("scheduler: firing %s for %s failed", job.id, slot)

        future = self._pool.submit(run)
        future.add_done_callback(lambda _f: self._run_job_success(job.id, []))


class EnqueueExecutor(BaseExecutor):
    """Hands each due (job_id, slot) to `submit` inline, on APScheduler's own thread.

    For the cron jobs: `submit` (ClaimBatcher.submit) only enqueues, so a thread hop per
    job would cost more than the work; a burst of 1,000 slots is handed over in ~0.2 s.
    """

    def __init__(self, submit: Callable[[str, datetime], None]) -> None:
        super().__init__()
        self._submit = submit

    def _do_submit_job(self, job, run_times):  # noqa: ANN001 - APScheduler's signature
        trigger = job.trigger
        try:
            for run_time in run_times:
                slot = trigger.slot_for(run_time) if isinstance(trigger, EngineCronTrigger) else run_time
                self._submit(job.id, slot)
        finally:
            self._run_job_success(job.id, [])


class LeaderService:
    def __init__(
        self,
        settings: Settings,
        session_factory: Callable[[], Session],
        *,
        mailer: Mailer | None = None,
        fire_workers: int = FIRE_WORKERS,
        run_workers: int = RUN_WORKERS,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.runner = Runner(settings, session_factory, mailer=mailer, on_paused=self._unschedule)
        self.recorder = OutcomeRecorder(self.runner.record)
        self.runner.recorder = self.recorder
        self.batcher = ClaimBatcher(
            claim=self.runner.claim_burst, run=self.runner.run_claimed, fire_one=self.runner.fire,
            run_workers=run_workers, run_initializer=self.runner.clients.bind,
            before_run=self.runner.mark_sending,
        )
        self.scheduler = BackgroundScheduler(
            timezone=settings.timezone,
            executors={"default": SlotExecutor(fire_workers), CRON_EXECUTOR: EnqueueExecutor(self.batcher.submit)},
            job_defaults={"coalesce": False, "max_instances": MAX_INSTANCES, "misfire_grace_time": None},
        )
        self.reconciler = Reconciler(
            settings=settings, session_factory=session_factory,
            schedule=self._schedule, unschedule=self._unschedule,
        )
        self.orphans_failed = 0
        self.takeover: takeover.TakeoverPlan | None = None
        self._next_housekeeping = 0.0

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        log.info("scheduler: taking over as leader")
        with self.session_factory() as session:
            begin_write(session)
            plan = takeover.plan(session)
            session.commit()
        self.takeover = plan
        self.orphans_failed = plan.failed
        if self.orphans_failed:
            log.warning("scheduler: marked %d orphaned running execution(s) failed", self.orphans_failed)
        if plan.send or plan.finish or plan.gave_up:
            log.warning(
                "scheduler: takeover: %d run(s) to send (%d keyed resend(s)), %d answered to finish, %d given up",
                len(plan.send), plan.resent, len(plan.finish), plan.gave_up,
            )
        self.scheduler.add_job(
            self._maintenance, trigger=EngineCronTrigger(maintenance.CRON, self.settings.timezone),
            id=maintenance.JOB_ID, name=maintenance.JOB_NAME, replace_existing=True,
        )
        self.recorder.start()
        self.batcher.start()
        self.batcher.run_now(plan.send)
        self.reconcile()  # starts APScheduler, then catches up missed slots
        takeover.finish(self.session_factory, self.settings, plan.finish)
        maintenance.resume(session_factory=self.session_factory, settings=self.settings)
        scheduler_status.publish(self.job_count)
        log.info("scheduler: leading, %d job(s) scheduled", len(self.reconciler.scheduled))

    def stop(self, wait: bool = True) -> None:
        scheduler_status.publish(None)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.batcher.stop(wait=wait)  # after the scheduler: nothing is submitted any more
        self.recorder.stop(wait=wait)  # after the runs: every outcome handed over is recorded
        if wait:  # the run threads are done with their clients
            self.runner.clients.close()

    def job_count(self) -> int:
        return len(self.scheduler.get_jobs())

    # -- reconcile and catch-up -----------------------------------------------
    def reconcile(self) -> None:
        result = self.reconciler.run()
        # Inline, in one pass (4 catch-up threads over batches of 100 competed with each
        # other for the GIL and reached the burst path later), and at leader start before
        # APScheduler starts (its start with 1,000 jobs took ~0.4 s on a loaded machine).
        since = self._catch_up(result.added) if result.added else None
        if not self.scheduler.running:
            self.scheduler.start()
            if since is not None:
                # APScheduler fires from its start on; slots due between the catch-up's
                # "now" and that start were nobody's (lost, before this second pass). A
                # slot both see is claimed once.
                self._catch_up(result.added, since=since)
        # After the catch-up: at leader start the first purge (a write transaction that
        # also folds the execution rollup) took 1.4 s on a loaded machine, and missed
        # slots waited behind it.
        self._housekeeping_if_due()

    def _housekeeping_if_due(self) -> None:
        """Every HOUSEKEEPING_SECONDS, purge expired revocations and login windows."""
        if time.monotonic() < self._next_housekeeping:
            return
        self._next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        with self.session_factory() as session:
            begin_write(session)
            purged = purge_expired(session, utcnow())
            session.commit()
        if any(purged.values()):
            log.info("scheduler: purged %s", purged)

    def _schedule(self, job_id: str, trigger: EngineCronTrigger) -> None:
        self.scheduler.add_job(
            self._fire, trigger=trigger, id=job_id, replace_existing=True, executor=CRON_EXECUTOR
        )

    def _fire(self, *job_id_and_slot: Any) -> None:
        """Never called through CRON_EXECUTOR (it submits to the batcher itself); kept as
        the jobs' APScheduler function, which APScheduler requires."""
        job_id, slot = job_id_and_slot
        self.batcher.submit(job_id, slot)

    def _unschedule(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(job_id)

    def _catch_up(self, jobs: list[Scheduled], since: datetime | None = None) -> datetime:
        """Slots in (max(last claimed slot, updated_at), now] nobody fired (no leader); returns `now`.

        Slots to run go through the burst path (claimed in batches, run in parallel, like
        a due minute), each with its note, whose lateness is filled when its call starts;
        slots only to record are recorded in one transaction. With `since` (the first
        pass's `now`), only the slots due after it are run, whatever the policy: those
        came due while APScheduler was starting, not while no leader ran.
        """
        now = utcnow()
        try:
            last = self._last_slots(job.job_id for job in jobs) if since is None else {}
            policy = self.settings.SCHEDULER_MISSED_RUNS if since is None else "once"
            grace = self.settings.SCHEDULER_MISFIRE_GRACE_SECONDS if since is None else float("inf")
            missed: list[tuple[str, MissedPlan]] = []
            for job in jobs:
                baseline = since or max(filter(None, (last.get(job.job_id), job.updated_at)))
                plan = plan_missed(job.trigger, baseline=baseline, now=now, policy=policy, grace_seconds=grace)
                if plan is None:
                    continue
                log.debug("scheduler: job %s missed slot(s): %s", job.job_id, plan.note)
                if plan.run:
                    self.runner.notes[(job.job_id, plan.latest)] = plan.note
                    self.batcher.submit(job.job_id, plan.latest)
                else:
                    missed.append((job.job_id, plan))
            self.runner.record_missed_many(missed)
        except Exception:
            log.exception("scheduler: catch-up failed")
        return now

    def _last_slots(self, job_ids: Iterable[str]) -> dict[str, datetime]:
        ids = list(job_ids)
        found: dict[str, datetime] = {}
        with self.session_factory() as session:
            for start in range(0, len(ids), IN_CHUNK):
                chunk = ids[start:start + IN_CHUNK]
                rows = session.execute(
                    select(JobExecution.job_id, func.max(JobExecution.scheduled_for))
                    .where(JobExecution.job_id.in_(chunk), JobExecution.scheduled_for.is_not(None))
                    .group_by(JobExecution.job_id)
                ).all()
                found.update({job_id: slot for job_id, slot in rows if slot is not None})
            session.rollback()
        return found

    def _maintenance(self, *job_id_and_slot: Any) -> None:
        _job_id, slot = job_id_and_slot
        maintenance.run_once(
            session_factory=self.session_factory, settings=self.settings, slot=slot, today=today_in(self.settings)
        )
