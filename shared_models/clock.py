"""The one source of "now" for both stacks and the scheduler.

The parity harness freezes it so that both stacks stamp identical times; tests of the
scheduler move it by hand. A process-wide override (not a context variable) is used on
purpose: Flask runs in worker threads that do not inherit context variables.

A third mode, the *scaled* clock, lets several processes share one fast virtual
timeline (multi-process scheduler tests, the burst bench): virtual now =
ORIGIN + (real now - EPOCH) x SPEED. It is configured from the environment
(`CRONJOB_CLOCK_ORIGIN` ISO instant, `CRONJOB_CLOCK_SPEED` factor, `CRONJOB_CLOCK_EPOCH`
real Unix time at which virtual time equals ORIGIN; processes that must agree share all
three) or with `scale()`. `to_real()` / `to_virtual()` convert instants so a scheduler
can wait real time for a virtual deadline. A frozen clock wins over a scaled one.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ENV_ORIGIN = "CRONJOB_CLOCK_ORIGIN"
ENV_SPEED = "CRONJOB_CLOCK_SPEED"
ENV_EPOCH = "CRONJOB_CLOCK_EPOCH"

_lock = threading.Lock()
_frozen_at: datetime | None = None


@dataclass(frozen=True)
class Scale:
    """Virtual time runs `speed` times faster than real time, from `origin` at `epoch`."""

    origin: datetime
    speed: float
    epoch: float  # real Unix time

    def virtual(self, real: datetime) -> datetime:
        return self.origin + timedelta(seconds=(real.timestamp() - self.epoch) * self.speed)

    def real(self, virtual: datetime) -> datetime:
        seconds = self.epoch + (virtual - self.origin).total_seconds() / self.speed
        return datetime.fromtimestamp(seconds, UTC)


def _aware(at: datetime) -> datetime:
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(UTC)


def _scale_from_env() -> Scale | None:
    origin = os.environ.get(ENV_ORIGIN, "").strip()
    if not origin:
        return None
    speed = float(os.environ.get(ENV_SPEED, "1") or 1)
    epoch = float(os.environ.get(ENV_EPOCH, "") or time.time())
    if speed <= 0:
        raise ValueError(f"{ENV_SPEED} must be positive")
    return Scale(_aware(datetime.fromisoformat(origin)), speed, epoch)


_scale: Scale | None = _scale_from_env()


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    frozen = _frozen_at
    if frozen is not None:
        return frozen
    scale = _scale
    if scale is not None:
        return scale.virtual(datetime.now(UTC))
    return datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin `utcnow()` to `at` (aware or naive UTC); `None` lets time run again."""
    global _frozen_at
    with _lock:
        _frozen_at = _aware(at) if at is not None else None


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


def scale(origin: datetime | None, speed: float = 1.0, epoch: float | None = None) -> Scale | None:
    """Run this process on a scaled clock (`origin=None` returns to real time)."""
    global _scale
    with _lock:
        if origin is None:
            _scale = None
        else:
            if speed <= 0:
                raise ValueError("speed must be positive")
            _scale = Scale(_aware(origin), float(speed), time.time() if epoch is None else epoch)
        return _scale


def current_scale() -> Scale | None:
    return _scale


def scale_env(value: Scale) -> dict[str, str]:
    """Environment variables that put a child process on the same scaled timeline."""
    return {
        ENV_ORIGIN: value.origin.isoformat(),
        ENV_SPEED: repr(value.speed),
        ENV_EPOCH: repr(value.epoch),
    }


def to_real(virtual: datetime) -> datetime:
    """The real instant at which `utcnow()` reaches `virtual` (identity unless scaled)."""
    scale_ = _scale
    return scale_.real(_aware(virtual)) if scale_ is not None and _frozen_at is None else _aware(virtual)


def to_virtual(real: datetime) -> datetime:
    """The virtual instant shown by `utcnow()` at real instant `real` (identity unless scaled)."""
    scale_ = _scale
    return scale_.virtual(_aware(real)) if scale_ is not None and _frozen_at is None else _aware(real)


def real_seconds(virtual_seconds: float) -> float:
    """How long to wait, in real seconds, for `virtual_seconds` of virtual time."""
    scale_ = _scale
    return virtual_seconds / scale_.speed if scale_ is not None else virtual_seconds
