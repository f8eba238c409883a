"""The clock: frozen, advanced, and scaled (shared by processes through the environment)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from shared_models import clock
from shared_models.settings import PROJECT_ROOT

ORIGIN = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _real_time_after() -> None:
    yield
    clock.scale(None)
    clock.freeze(None)


def test_freeze_and_advance() -> None:
    with clock.frozen(ORIGIN):
        assert clock.utcnow() == ORIGIN
        assert clock.advance(timedelta(minutes=5)) == ORIGIN + timedelta(minutes=5)
    assert abs((clock.utcnow() - datetime.now(UTC)).total_seconds()) < 1
    with pytest.raises(RuntimeError):
        clock.advance(timedelta(seconds=1))


def test_scaled_clock_runs_fast_and_converts_both_ways() -> None:
    scale = clock.scale(ORIGIN, 120.0)
    first = clock.utcnow()
    time.sleep(0.25)
    elapsed = (clock.utcnow() - first).total_seconds()
    assert elapsed >= 29  # 0.25 s real at 120x is at least ~30 virtual seconds; no upper bound on a busy machine
    virtual = ORIGIN + timedelta(minutes=10)
    assert clock.to_virtual(clock.to_real(virtual)) == virtual or abs(
        (clock.to_virtual(clock.to_real(virtual)) - virtual).total_seconds()
    ) < 0.001
    assert (clock.to_real(virtual) - clock.to_real(ORIGIN)).total_seconds() == pytest.approx(5.0)
    assert clock.real_seconds(60) == pytest.approx(0.5)
    assert scale is clock.current_scale()


def test_frozen_wins_over_scaled() -> None:
    clock.scale(ORIGIN, 60.0)
    with clock.frozen(datetime(2031, 1, 1, tzinfo=UTC)):
        assert clock.utcnow() == datetime(2031, 1, 1, tzinfo=UTC)
        assert clock.to_real(ORIGIN) == ORIGIN  # conversions are identity while frozen


def test_child_processes_share_the_timeline() -> None:
    scale = clock.scale(ORIGIN, 60.0)
    env = {**os.environ, **clock.scale_env(scale), "PYTHONPATH": str(PROJECT_ROOT)}
    before = clock.utcnow()
    output = subprocess.run(
        [sys.executable, "-c", "from shared_models.clock import utcnow; print(utcnow().isoformat())"],
        env=env, capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    child = datetime.fromisoformat(output.strip())
    after = clock.utcnow()
    assert before <= child <= after
