"""The one source of "now" for both stacks and the scheduler.

The parity harness freezes it so that both stacks stamp identical times; tests of the
scheduler move it by hand. A process-wide override (not a context variable) is used on
purpose: Flask runs in worker threads that do not inherit context variables.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_frozen_at: datetime | None = None


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    frozen = _frozen_at
    if frozen is not None:
        return frozen
    return datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin `utcnow()` to `at` (aware or naive UTC); `None` lets time run again."""
    global _frozen_at
    with _lock:
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        _frozen_at = at.astimezone(UTC) if at is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward; used by tests that simulate time passing."""
    global _frozen_at
    with _lock:
        if _frozen_at is None:
            raise RuntimeError("advance() needs a frozen clock")
        _frozen_at = _frozen_at + delta
        return _frozen_at


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    previous = _frozen_at
    freeze(at)
    try:
        yield
    finally:
        freeze(previous)
