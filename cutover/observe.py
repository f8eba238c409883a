"""One observation per gateway request: metrics, the request log, the window figures.

    observer = Observer(sessionmaker, slot_seconds=10, flush_interval=1.0, batch=64)
    observer.start()                      # the flusher thread
    seen = Seen(route="GET /api/jobs", stack="fastapi", state="canary", arm=True)
    observer.observe(seen, status=200, seconds=0.004, request_id="ab12", user_id="7", method="GET")
    observer.drain()                      # pending observations -> histogram, log lines, figures
    observer.stop()                       # a last drain and flush (shutdown)

On the request path `observe` only appends one tuple to a queue. Every `batch`
requests, at every flush and before a /metrics scrape, `drain` turns the queued tuples
into histogram observations, JSON log lines (written together, one system call) and
`ArmFigures`, in one loop. Why: run once per request, right after Flask's or FastAPI's
work has filled the core's caches, the same code cost the live server several times
what it costs warm (measured: ~2.5 % of a request's CPU against 0.4 % expected;
batched, under 1 %). So a log line is
written, and a histogram counts, up to `flush_interval` after its request (as nginx's
`access_log ... buffer= flush=`), and a crash loses at most that much of them.

The figures of legacy `/api` routes (`seen.arm`) go to the shared database
(`cutover.figures.add_figures`, an atomic upsert into the current slot) from the
flusher thread every `flush_interval`, so the rollout judge and the console read the
same numbers on every worker and replica without a write per request. A failed flush
keeps its counts for the next one.

The histogram and the request log line are `shared_models.metrics.RequestDurations` and
`shared_models.request_log` (`fastapi_app.observe` writes the same ones once the gateway
is gone): the line carries the request id, method, route key, stack, state, status,
duration and the caller's user id (the token's `sub`, read unverified), and the time the
request ended. Never a header, token, body or query string.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cutover.figures import ArmFigures, add_figures, slot_of
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.http_metrics import UNMATCHED, RequestDurations
from shared_models.request_log import logs_requests, request_line, write_lines

log = logging.getLogger("gateway.observe")


@dataclass(slots=True)
class Seen:
    """What routing decided for one request; `arm` = counts in the rollout window figures."""

    route: str = UNMATCHED
    stack: str = "gateway"
    state: str = "none"
    arm: bool = False


# seen, status, seconds, request id, user id, method, wall-clock time at the end
_Observation = tuple[Seen, int, float, str, str | None, str, float]


class Observer:
    def __init__(self, sessionmaker: Callable[[], Session], *, slot_seconds: float, flush_interval: float,
                 metrics: bool = True, request_log: bool = True, batch: int = 64) -> None:
        self.sessionmaker = sessionmaker
        self.slot_seconds = slot_seconds
        self.flush_interval = flush_interval
        self.metrics = metrics
        self.request_log = request_log
        self.batch = batch
        self._durations = RequestDurations()
        self._queued: deque[_Observation] = deque()  # appended by the event loop, drained by any thread
        self._draining = threading.Lock()
        self._pending: dict[tuple[str, str], ArmFigures] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def observe(self, seen: Seen, *, status: int, seconds: float, request_id: str, user_id: str | None,
                method: str) -> None:
        self._queued.append((seen, status, seconds, request_id, user_id, method, time.time()))
        if len(self._queued) >= self.batch:
            self.drain()

    def drain(self) -> None:
        """Everything queued into the histogram, the log and the figures (one drainer at a time:
        a caller finding one at work leaves the queue to it)."""
        if not self._draining.acquire(blocking=False):
            return
        try:
            queued = self._queued
            lines: list[str] | None = [] if self.request_log and logs_requests() else None
            while queued:
                seen, status, seconds, request_id, user_id, method, ended = queued.popleft()
                if self.metrics:
                    self._durations.observe(seen.route, seen.stack, seen.state, status, seconds)
                if seen.arm:
                    with self._lock:
                        figures = self._pending.get((seen.route, seen.stack))
                        if figures is None:
                            figures = self._pending[(seen.route, seen.stack)] = ArmFigures()
                        figures.add(seconds, status)
                if lines is not None:
                    lines.append(request_line(request_id=request_id, method=method, route=seen.route,
                                              stack=seen.stack, state=seen.state, status=status, seconds=seconds,
                                              user_id=user_id, at=ended))
            if lines:
                write_lines(lines)
        finally:
            self._draining.release()

    # --- the flusher --------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="figures-flush", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self.flush()

    def flush(self) -> int:
        """Drain, then write the figures since the last flush; how many (route, stack) rows it added to."""
        self.drain()
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        try:
            with self.sessionmaker() as session:
                begin_write(session)
                add_figures(session, slot_start=slot_of(utcnow(), self.slot_seconds), arms=pending)
                session.commit()
        except Exception:  # noqa: BLE001 - keep the counts for the next flush
            log.exception("window figures flush failed; retrying with the next one")
            with self._lock:
                for key, figures in pending.items():
                    self._pending.setdefault(key, ArmFigures()).merge(figures)
            return 0
        return len(pending)
