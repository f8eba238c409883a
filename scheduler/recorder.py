"""Recording the outcomes of a burst of runs in a few write transactions.

Each run used to record its outcome in its own write transaction as soon as its call
returned. In a burst of 1,000 runs that was 1,000 transactions queueing on the database's
write lock (BEGIN IMMEDIATE on SQLite, whose busy handler waits by sleeping), with 32 run
threads taking the GIL from the threads still making calls: calls reached their targets
up to 3 s after the slot. Here a run thread only makes its call and hands the outcome
over; one recorder thread writes them in one transaction (`executor.record_outcomes`)
once the burst is over, and the e-mails that follow go to a small pool.

The recorder gathers outcomes until none arrived for `settle` seconds (or `max_hold`
seconds after the first): while a burst's calls are still going out, recording would
take the GIL from the threads starting them. So a lone run is recorded `settle` seconds
after its call and a burst's runs at most about `max_hold` seconds after theirs. If the
process dies meanwhile, the row stays in phase `sending` and the next leader sends it
once more with the same Idempotency-Key (scheduler.takeover).
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable

from scheduler.batching import STOP, gather, run_logged
from shared_models.executor import Finished

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.05
"""The burst's calls are over when no outcome arrived for this long."""
MAX_HOLD_SECONDS = 2.0
"""No outcome waits longer than this (plus one transaction) to be recorded: room for a
1,000-run burst's calls to go out on a busy machine before the first write."""
MAX_BATCH = 1000
MAIL_WORKERS = 8

Record = Callable[[list[Finished]], list[Callable[[], object]]]
"""Write a batch of outcomes; the follow-up tasks (e-mails) to run afterwards."""



class OutcomeRecorder:
    """`submit(finished)` from any thread; written in batches by one thread."""

    def __init__(
        self,
        record: Record,
        *,
        settle: float = SETTLE_SECONDS,
        max_hold: float = MAX_HOLD_SECONDS,
        max_batch: int = MAX_BATCH,
        mail_workers: int = MAIL_WORKERS,
    ) -> None:
        self._record = record
        self._settle = settle
        self._max_hold = max_hold
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._followups = concurrent.futures.ThreadPoolExecutor(mail_workers, thread_name_prefix="scheduler-mail")
        self._thread = threading.Thread(target=self._loop, name="scheduler-record", daemon=True)

    def start(self) -> OutcomeRecorder:
        self._thread.start()
        return self

    def submit(self, finished: Finished) -> None:
        self._queue.put(finished)

    def stop(self, wait: bool = True) -> None:
        """Record what is queued, then stop (the callers stopped submitting first)."""
        self._queue.put(STOP)
        if self._thread.is_alive():
            self._thread.join()
        self._followups.shutdown(wait=wait)

    def _loop(self) -> None:
        stop = False
        while not stop:
            batch, stop = gather(
                self._queue, self._queue.get(), max_items=self._max_batch, hold=self._max_hold, idle=self._settle
            )
            if batch:
                self._write(batch)  # type: ignore[arg-type]

    def _write(self, batch: list[Finished]) -> None:
        """Record `batch`; if its transaction fails, each run on its own (one bad row costs one run)."""
        try:
            followups = self._record(batch)
        except Exception:
            log.exception("scheduler: recording %d outcome(s) failed; recording one by one", len(batch))
            followups = []
            for finished in batch:
                try:
                    followups.extend(self._record([finished]))
                except Exception:
                    log.exception("scheduler: recording execution %s failed", finished.execution_id)
        for task in followups:
            self._followups.submit(run_logged, task)
