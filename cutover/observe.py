"""One observation per gateway request: metrics, the request log, the window figures.

    observer = Observer(sessionmaker, slot_seconds=10, flush_interval=1.0)
    observer.start()                      # the figures flusher thread
    seen = Seen(route="GET /api/jobs", stack="fastapi", state="canary", arm=True)
    observer.observe(seen, status=200, seconds=0.004, request_id="ab12", user_id="7", method="GET")
    observer.stop()                       # a last flush (shutdown)

On the request path `observe` only touches memory: a cached histogram child, a dict of
`ArmFigures` under a lock, one JSON log line. The figures of legacy `/api` routes
(`seen.arm`) go to the shared database (`cutover.figures.add_figures`, an atomic
upsert into the current slot) from a background thread every `flush_interval`, so the
rollout judge and the console read the same numbers on every worker and replica without
a write per request. A failed flush keeps its counts for the next one.

Request log lines (logger `gateway.requests`, JSON, one per request) carry the request
id, method, route key, stack, state, status, duration and the caller's user id (the
token's `sub`, read unverified: the stack that answers verifies it). Never a header,
token, body or query string.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from sqlalchemy.orm import Session

from cutover.figures import ArmFigures, add_figures, slot_of
from cutover.metrics import REQUEST_DURATION, UNMATCHED
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.metrics import status_class

log = logging.getLogger("gateway.observe")
REQUEST_LOG = logging.getLogger("gateway.requests")


@dataclass(slots=True)
class Seen:
    """What routing decided for one request; `arm` = counts in the rollout window figures."""

    route: str = UNMATCHED
    stack: str = "gateway"
    state: str = "none"
    arm: bool = False


class JsonLines(logging.StreamHandler):  # type: ignore[type-arg]
    """The request log's own handler: one message per line, nothing added.

    `write` is the request path's shortcut around the logging machinery (a LogRecord,
    the filters, the formatter: most of the cost of a line), taken only while this
    handler is the logger's one and only handler (`Observer._log`)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.setFormatter(logging.Formatter("%(message)s"))

    def write(self, line: str) -> None:
        """Exactly what `emit` writes for a record whose message is `line`."""
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write(line + self.terminator)
                self.flush()
            except Exception:  # noqa: BLE001 - a log line must never fail the request
                self.handleError(logging.makeLogRecord({"msg": line}))


def configure_request_log() -> None:
    """JSON lines on stdout, unless someone configured `gateway.requests` already."""
    if REQUEST_LOG.handlers:
        return
    REQUEST_LOG.addHandler(JsonLines())
    REQUEST_LOG.setLevel(logging.INFO)
    REQUEST_LOG.propagate = False


class Observer:
    def __init__(self, sessionmaker: Callable[[], Session], *, slot_seconds: float, flush_interval: float,
                 metrics: bool = True, request_log: bool = True) -> None:
        self.sessionmaker = sessionmaker
        self.slot_seconds = slot_seconds
        self.flush_interval = flush_interval
        self.metrics = metrics
        self.request_log = request_log
        self._children: dict[tuple[str, str, str, str], object] = {}
        self._pending: dict[tuple[str, str], ArmFigures] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        """Metrics or logs want each request's route key (else the gateway may skip matching)."""
        return self.metrics or self.request_log

    def observe(self, seen: Seen, *, status: int, seconds: float, request_id: str, user_id: str | None,
                method: str) -> None:
        if self.metrics:
            key = (seen.route, seen.stack, seen.state, status_class(status))
            child = self._children.get(key)
            if child is None:
                child = self._children[key] = REQUEST_DURATION.labels(*key)
            child.observe(seconds)  # type: ignore[attr-defined]
        if seen.arm:
            with self._lock:
                figures = self._pending.get((seen.route, seen.stack))
                if figures is None:
                    figures = self._pending[(seen.route, seen.stack)] = ArmFigures()
                figures.add(seconds, status)
        if self.request_log and REQUEST_LOG.isEnabledFor(logging.INFO):
            self._log(orjson.dumps({
                "ts": round(time.time(), 3), "request_id": request_id, "method": method, "route": seen.route,
                "stack": seen.stack, "state": seen.state, "status": status,
                "duration_ms": round(seconds * 1000, 3), "user_id": user_id,
            }).decode())

    @staticmethod
    def _log(line: str) -> None:
        """`REQUEST_LOG.info(line)`; straight to the stream when nothing else could see the
        record (our `JsonLines` alone, no filters): the same bytes at a third of the cost."""
        handlers = REQUEST_LOG.handlers
        if (len(handlers) == 1 and type(handlers[0]) is JsonLines and not REQUEST_LOG.filters
                and not handlers[0].filters and handlers[0].level <= logging.INFO and not REQUEST_LOG.disabled):
            handlers[0].write(line)
        else:
            REQUEST_LOG.info(line)

    # --- the figures flusher --------------------------------------------------------

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
        """Write what was observed since the last flush; how many (route, stack) rows it added to."""
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
