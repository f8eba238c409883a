"""Claiming a burst of due slots in batches, then running them on a pool.

When many jobs share a cron minute, APScheduler hands them over one by one within a
fraction of a second. Claiming each in its own write transaction serialised the burst on
the database's write lock (BEGIN IMMEDIATE on SQLite): 1,000 jobs were claimed up to
4 s late. Here the fire threads only enqueue (job_id, slot); one claimer thread takes
whatever has queued (waiting at most `window` seconds for more), claims it with one
multi-row INSERT ... ON CONFLICT DO NOTHING (`Runner.claim_burst`, which also reads the
claimed runs' jobs), commits, and hands the claimed runs to the run pool, whose threads
make the calls (and leave the outcomes to scheduler.recorder).

Runs are held back while a burst is still being handed over (until no slot arrived for
`settle` seconds, at most `max_hold`): on two cores, 32 run threads starting at once
took the GIL and the SQLite write lock from APScheduler's thread and the claimer, and
the hand-over of 1,000 slots stretched from ~0.3 s to ~4 s. A batch whose claim fails (e.g. a job deleted mid-burst breaks its foreign
key on PostgreSQL) falls back to claiming its slots one by one, so one bad row costs
nothing but speed.

Right before held runs are released to the pool, `before_run` gets them all at once
(the runner writes their phase `sending` in one transaction, issue 15): a leader that
dies after that may have reached the targets, one that dies before has not.
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from scheduler.batching import STOP, gather, run_logged

log = logging.getLogger(__name__)

BATCH_WINDOW_SECONDS = 0.005
"""How long the claimer waits for more due slots after the first; the cost for a lone slot."""
SETTLE_SECONDS = 0.03
"""A burst is over when no due slot arrived for this long; then its runs start."""
MAX_HOLD_SECONDS = 1.0
"""Claimed runs never wait longer than this for the burst to end."""
MAX_BATCH = 1000
RUN_WORKERS = 32
"""Runs are I/O-bound (an HTTPS call of up to OUTBOUND_TIMEOUT_SECONDS); more threads than
the 20 of §5.1, fewer than the connection pool's size + overflow (sessions are short)."""

Claimed = TypeVar("Claimed")
"""What `claim` returns per claimed slot and `run` takes (an execution id, a ClaimedRun)."""


class ClaimBatcher(Generic[Claimed]):
    """`submit(job_id, slot)` from any thread; claims in batches, runs on a pool.

    `run_initializer` runs once in each run thread as it starts (the runner gives each
    its own HTTP client).
    """

    def __init__(
        self,
        *,
        claim: Callable[[list[tuple[str, datetime]]], Sequence[Claimed]],
        run: Callable[[Claimed], object],
        fire_one: Callable[[str, datetime], object],
        run_workers: int = RUN_WORKERS,
        run_initializer: Callable[[], object] | None = None,
        before_run: Callable[[list[Claimed]], object] | None = None,
        window: float = BATCH_WINDOW_SECONDS,
        settle: float = SETTLE_SECONDS,
        max_hold: float = MAX_HOLD_SECONDS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._claim_due = claim
        self._run = run
        self._fire_one = fire_one
        self._before_run = before_run
        self._window = window
        self._settle = settle
        self._max_hold = max_hold
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._runs = concurrent.futures.ThreadPoolExecutor(
            run_workers, thread_name_prefix="scheduler-run", initializer=run_initializer
        )
        self._thread = threading.Thread(target=self._loop, name="scheduler-claim", daemon=True)

    def start(self) -> ClaimBatcher[Claimed]:
        self._thread.start()
        return self

    def submit(self, job_id: str, slot: datetime) -> None:
        self._queue.put((job_id, slot))

    def run_now(self, claimed: Sequence[Claimed]) -> None:
        """Run runs claimed elsewhere (a takeover's) on the pool, through `before_run`."""
        self._release([(item, functools.partial(self._run, item)) for item in claimed])

    def stop(self, wait: bool = True) -> None:
        """Claim and run what is queued, then stop (the caller stopped submitting first)."""
        self._queue.put(STOP)
        if self._thread.is_alive():
            self._thread.join()
        self._runs.shutdown(wait=wait)

    # -- the claimer thread ---------------------------------------------------------
    def _loop(self) -> None:
        held: list[tuple[object, Callable[[], object]]] = []
        held_since = 0.0
        stop = False
        while not stop:
            if held and time.monotonic() - held_since >= self._max_hold:
                self._release(held)
            if held:
                try:
                    first = self._queue.get(timeout=self._settle)
                except queue.Empty:  # the burst is over
                    self._release(held)
                    continue
            else:
                first = self._queue.get()
            batch, stop = gather(self._queue, first, max_items=self._max_batch, hold=self._window)
            if batch:
                if not held:
                    held_since = time.monotonic()
                held.extend(self._claim(batch))  # type: ignore[arg-type]
        self._release(held)

    def _claim(self, batch: list[tuple[str, datetime]]) -> list[tuple[object, Callable[[], object]]]:
        """Claim `batch`; (claimed run or None, task) per run to start (one-by-one fires if
        the batch failed: those record their own phases)."""
        try:
            claimed = self._claim_due(batch)
        except Exception:
            log.exception("scheduler: batched claim of %d slot(s) failed; claiming one by one", len(batch))
            return [(None, functools.partial(self._fire_one, job_id, slot)) for job_id, slot in batch]
        return [(run, functools.partial(self._run, run)) for run in claimed]

    def _release(self, held: list[tuple[object, Callable[[], object]]]) -> None:
        claimed = [item for item, _task in held if item is not None]
        if claimed and self._before_run is not None:
            try:
                self._before_run(claimed)  # type: ignore[arg-type]
            except Exception:  # the runs still go: a takeover resends them with their key
                log.exception("scheduler: recording the sending phase of %d run(s) failed", len(claimed))
        for _item, task in held:
            self._runs.submit(run_logged, task)
        held.clear()
