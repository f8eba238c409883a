"""A leader candidate: waits for the leader lock, then runs the scheduler while it holds it.

Embedded (the gateway's lifespan calls `start_candidate(settings)` and, at shutdown,
`handle.stop()`) or standalone (`python -m scheduler`). Every candidate polls the lock
every SCHEDULER_STANDBY_POLL_SECONDS; the leader reconciles every
SCHEDULER_RECONCILE_SECONDS and checks on each tick that it still holds the lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from scheduler import metrics
from scheduler.leader import AdvisoryLock, make_lock
from scheduler.service import LeaderService
from shared_models.db import make_engine, make_sessionmaker
from shared_models.mail import Mailer
from shared_models.settings import Settings

log = logging.getLogger(__name__)


class CandidateHandle:
    """The running candidate; `stop()` ends leadership (if held) and the thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        session_factory: Callable[[], Session] | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self.settings = settings
        self._engine = None
        if session_factory is None:
            self._engine = make_engine(settings)
            session_factory = make_sessionmaker(self._engine)
        self.session_factory = session_factory
        self.mailer = mailer
        self.service: LeaderService | None = None
        self._stop = threading.Event()
        self._leading = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler-candidate", daemon=True)

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    def wait_until_leader(self, timeout: float) -> bool:
        return self._leading.wait(timeout)

    def start(self) -> CandidateHandle:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._engine is not None:
            self._engine.dispose()

    def _run(self) -> None:
        lock = make_lock(self.settings)
        try:
            while not self._stop.is_set():
                try:
                    if lock.try_acquire():
                        self._lead(lock)
                except Exception:
                    log.exception("scheduler: leader election failed; retrying")
                    lock.release()
                self._stop.wait(self.settings.SCHEDULER_STANDBY_POLL_SECONDS)
        finally:
            lock.release()
            if isinstance(lock, AdvisoryLock):
                lock.dispose()

    def _lead(self, lock) -> None:  # noqa: ANN001 - FileLock | AdvisoryLock
        service = LeaderService(self.settings, self.session_factory, mailer=self.mailer)
        try:
            service.start()
            self.service = service
            self._leading.set()
            metrics.IS_LEADER.set(1)
            while not self._stop.wait(self.settings.SCHEDULER_RECONCILE_SECONDS):
                if not lock.still_held():
                    log.error("scheduler: leader lock lost; stepping down")
                    break
                try:
                    service.reconcile()
                except Exception:
                    log.exception("scheduler: reconcile pass failed")
        finally:
            metrics.IS_LEADER.set(0)
            self._leading.clear()
            self.service = None
            service.stop(wait=True)
            lock.release()


def start_candidate(
    settings: Settings,
    *,
    session_factory: Callable[[], Session] | None = None,
    mailer: Mailer | None = None,
) -> CandidateHandle:
    """Start a candidate thread (nothing runs when SCHEDULER_ENABLED is false)."""
    handle = CandidateHandle(settings, session_factory=session_factory, mailer=mailer)
    if not settings.SCHEDULER_ENABLED:
        log.info("scheduler: disabled (SCHEDULER_ENABLED=false)")
        return handle
    return handle.start()
