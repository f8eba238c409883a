"""The rollout judge: walks every running rollout through its steps on the shared figures.

    judge = Judge(sessionmaker, interval=2.0, lease_seconds=10.0)
    judge.tick()                  # one pass (sync): [Outcome("GET /api/jobs", "promote", ...)]
    task = judge.start()          # the gateway's lifespan: a pass every `interval` seconds
    await judge.stop(task)        # cancel, then let the lease go so a standby takes over

Every gateway worker and replica runs a judge, but only the holder of the DB lease
`rollout-judge` (`cutover.lease`, renewed on each pass, lapsing `lease_seconds` after a
crash) judges; the others only check that a rollout is running. All state is in the
database (rollouts, figures, flags), so a restart, or a standby taking the lease,
resumes every rollout where it was.

One pass, per running rollout, in its own write transaction (the rollout row locked):
- the route's flag is no longer the step's canary share (the gateway's auto-rollback,
  an operator's `flags set`): the rollout ends as superseded (`rollout.end_superseded`);
- else the step's window is judged (`cutover.verdict.judge`): each arm's figures since
  the step started (`cutover.figures.arm_figures`), shadow mismatches stored since then,
  parity mismatches of parity runs since then, and whether the hold is over. At 100 %
  there are no legacy callers left, so the legacy arm is what legacy served during the
  rollout's earlier steps and one hold before it began (a rollout of just `100` is
  judged against that hold alone);
- pass: next step (or `fastapi` after the last), fail: back to legacy, wait: the
  judgement is kept on the row. Promotions and rollbacks are decisions with their figures
  (`rollout_decisions`) and flag moves in the flag audit (actor `rollout`).

The lease holder also deletes window figures older than `keep_hours` (every
`PRUNE_EVERY` seconds at most), never those since the start of an active rollout: its
steps, and the 100 % step's legacy baseline, read them.

A failure is acted on at the first pass that sees it, so a failing step is back at
legacy within `interval` (+ the figures' flush and the flag refresh) of the evidence
reaching the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cutover import lease, rollout
from cutover.figures import arm_figures, prune_figures
from cutover.metrics import ROLLOUT_DECISIONS
from cutover.verdict import Verdict, judge
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.formats import utc_instant
from shared_models.models.ops import CutoverFlag, ParityResult, ShadowMismatch
from shared_models.models.rollouts import ACTIVE_ROLLOUT_STATES, Rollout

log = logging.getLogger("gateway.judge")
LEASE_NAME = "rollout-judge"
PRUNE_EVERY = 600.0


@dataclass(frozen=True)
class Outcome:
    """What one pass did to one rollout; `flag` is the route's flag afterwards."""

    route_key: str
    action: str  # promote, complete, rollback, wait, superseded
    reason: str
    flag: tuple[str, int]


def default_holder() -> str:
    """host:pid:random, unique per judge even when a pid is reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _flag(session: Session, route_key: str) -> tuple[tuple[str, int], str | None]:
    row = session.get(CutoverFlag, route_key, populate_existing=True)
    return ((row.state, row.canary_percent), row.updated_by) if row is not None else (("legacy", 0), None)


def _mismatches(session: Session, route_key: str, since: datetime) -> tuple[int, int]:
    """Shadow mismatches stored and parity mismatches reported since `since`."""
    shadow = session.scalar(select(func.count()).select_from(ShadowMismatch).where(
        ShadowMismatch.route_key == route_key, ShadowMismatch.at >= since))
    parity = session.scalar(select(func.coalesce(func.sum(ParityResult.mismatched), 0)).where(
        ParityResult.route_key == route_key, ParityResult.run_at >= since))
    return int(shadow or 0), int(parity or 0)


def step_verdict(session: Session, row: Rollout) -> Verdict:
    """The current step's verdict, from the shared figures (read only)."""
    since, share = row.step_started_at, rollout.percent(row)
    arms = arm_figures(session, route_key=row.route_key, since=since)
    legacy, baseline = arms["legacy"], "this step"
    if share == 100:  # every caller is on FastAPI: compare with legacy before this step
        legacy = arm_figures(session, route_key=row.route_key, until=since,
                             since=row.started_at - timedelta(seconds=row.hold_seconds))["legacy"]
        baseline = "earlier steps"
    shadow, parity = _mismatches(session, row.route_key, since)
    held_for = (utcnow() - since).total_seconds()
    verdict = judge(legacy, arms["fastapi"], min_requests=row.min_requests, held=held_for >= row.hold_seconds,
                    shadow_mismatches=shadow, parity_mismatches=parity)
    verdict.figures.update({
        "step": row.step_index + 1, "percent": share, "window_since": utc_instant(since),
        "held_seconds": round(held_for, 1), "hold_seconds": row.hold_seconds, "legacy_baseline": baseline,
    })
    return verdict


class Judge:
    def __init__(self, sessionmaker: Callable[[], Session], *, interval: float = 2.0, lease_seconds: float = 10.0,
                 keep_hours: float = 24.0, holder: str | None = None,
                 on_change: Callable[[Outcome], None] | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.interval = interval
        self.lease_seconds = lease_seconds
        self.keep_hours = keep_hours
        self._pruned_at = time.monotonic()  # the first prune PRUNE_EVERY after start, not at every start
        self.holder = holder or default_holder()
        self.on_change = on_change

    # --- one pass -------------------------------------------------------------------

    def tick(self) -> list[Outcome]:
        """Judge every running rollout once, if this judge holds (or gets) the lease."""
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
            self.prune()
        with self.sessionmaker() as session:
            if not rollout.running(session):  # the common case: one small SELECT, no lease write
                return []
            session.rollback()
            if not lease.acquire(session, LEASE_NAME, holder=self.holder, seconds=self.lease_seconds):
                return []
            keys = [row.route_key for row in rollout.running(session)]
            session.rollback()
        outcomes = []
        for route_key in keys:
            with self.sessionmaker() as session:
                outcome = self._judge_route(session, route_key)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def prune(self) -> int:
        """Delete old window figures if this judge holds (or gets) the lease; rows deleted."""
        self._pruned_at = time.monotonic()
        with self.sessionmaker() as session:
            if not lease.acquire(session, LEASE_NAME, holder=self.holder, seconds=self.lease_seconds):
                return 0
            begin_write(session)
            before = utcnow() - timedelta(hours=self.keep_hours)
            oldest = session.scalar(select(func.min(Rollout.started_at)).where(
                Rollout.state.in_(ACTIVE_ROLLOUT_STATES)))
            deleted = prune_figures(session, before=before if oldest is None else min(before, oldest))
            session.commit()
        return deleted

    def _judge_route(self, session: Session, route_key: str) -> Outcome | None:
        begin_write(session)
        row = rollout.active(session, route_key)
        if row is None or row.state != "running":  # paused or ended since the listing
            session.rollback()
            return None
        flag, changed_by = _flag(session, route_key)
        if flag != ("canary", rollout.percent(row)):
            rollout.end_superseded(session, row, flag, changed_by)
            session.commit()
            return Outcome(route_key, "superseded", row.verdict_reason or "", flag)
        verdict = step_verdict(session, row)
        if verdict.kind == "fail":
            rollout.roll_back(session, row, verdict)
            outcome = Outcome(route_key, "rollback", verdict.reason, ("legacy", 0))
        elif verdict.kind == "pass":
            rollout.promote(session, row, verdict)
            done = row.state == "completed"
            outcome = Outcome(route_key, "complete" if done else "promote", verdict.reason,
                              ("fastapi", 0) if done else ("canary", rollout.percent(row)))
        else:
            rollout.note_wait(session, row, verdict)
            outcome = Outcome(route_key, "wait", verdict.reason, flag)
        session.commit()
        return outcome

    # --- the loop ---------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """The loop as a task of the running event loop (one per lifespan: a gateway whose
        lifespan runs twice, as under schemathesis, gets two, each stopped by its own)."""
        return asyncio.create_task(self.run(), name="rollout-judge")

    async def run(self) -> None:
        while True:
            try:
                outcomes = await anyio.to_thread.run_sync(self.tick)
            except Exception:  # noqa: BLE001 - a DB hiccup: the next pass retries
                log.exception("rollout judge pass failed; retrying in %.1f s", self.interval)
            else:
                for outcome in outcomes:
                    self._report(outcome)
            await asyncio.sleep(self.interval)

    def _report(self, outcome: Outcome) -> None:
        if outcome.action == "wait":
            return
        log.warning("rollout %s: %s (%s)", outcome.route_key, outcome.action, outcome.reason)
        ROLLOUT_DECISIONS.labels(outcome.route_key, outcome.action).inc()
        if self.on_change is not None:
            self.on_change(outcome)

    async def stop(self, task: asyncio.Task[None]) -> None:
        """Stop `task` (from `start`) and let the lease lapse now (a standby judges at its next pass)."""
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            await anyio.to_thread.run_sync(self._release)
        except Exception:  # noqa: BLE001 - the lease lapses by itself anyway
            log.exception("could not release the rollout judge lease")

    def _release(self) -> None:
        with self.sessionmaker() as session:
            lease.release(session, LEASE_NAME, holder=self.holder)
