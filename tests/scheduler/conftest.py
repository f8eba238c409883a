"""Scheduler test fixtures: settings for a leader, subprocess candidates, a webhook.

Subprocess candidates (`python -m scheduler`) always die at teardown, whatever the test
did: SIGKILL for those still alive after a short SIGTERM grace.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.leader import leader_pid
from shared_models import clock
from shared_models.models import JobExecution
from shared_models.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SECRET, make_settings
from tests.local_http import LocalHTTPServer


@pytest.fixture
def leader_settings(database_url: str, tmp_path: Path) -> Settings:
    """Scheduler settings for in-process candidates: fast polls, a per-test lock file."""
    return make_settings(
        database_url,
        SCHEDULER_ENABLED=True,
        SCHEDULER_LOCK_PATH=str(tmp_path / "scheduler.lock"),
        SCHEDULER_STANDBY_POLL_SECONDS=0.2,
        SCHEDULER_RECONCILE_SECONDS=0.5,
    )


@pytest.fixture
def webhook(http_server: LocalHTTPServer) -> str:
    """A local webhook target that answers 200 "ok"."""
    http_server.on("/hook", body="ok")
    return http_server.url("/hook")


@pytest.fixture
def scaled_clock() -> Iterator[Callable[..., clock.Scale]]:
    """Put this process on a scaled clock; back to real time afterwards."""

    def start(origin, speed: float) -> clock.Scale:  # noqa: ANN001
        scale = clock.scale(origin, speed)
        assert scale is not None
        return scale

    yield start
    clock.scale(None)


class Candidates:
    """`python -m scheduler` processes on the test database."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings = settings
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen[bytes]] = []
        self.env: dict[str, str] = {}

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("CRONJOB_CLOCK_")}
        env.update(
            PYTHONPATH=str(PROJECT_ROOT),
            DATABASE_URL=self.settings.DATABASE_URL,
            SECRET_KEY=TEST_SECRET,
            JWT_SECRET_KEY=TEST_SECRET,
            ALLOW_DEFAULT_ADMIN="false",
            MAIL_ENABLED="false",
            SCHEDULER_ENABLED="true",
            SCHEDULER_LOCK_PATH=self.settings.SCHEDULER_LOCK_PATH,
            SCHEDULER_STANDBY_POLL_SECONDS=str(self.settings.SCHEDULER_STANDBY_POLL_SECONDS),
            SCHEDULER_RECONCILE_SECONDS=str(self.settings.SCHEDULER_RECONCILE_SECONDS),
            SCHEDULER_MISSED_RUNS=self.settings.SCHEDULER_MISSED_RUNS,
            SCHEDULER_MISFIRE_GRACE_SECONDS=str(self.settings.SCHEDULER_MISFIRE_GRACE_SECONDS),
            SCHEDULER_TIMEZONE=self.settings.SCHEDULER_TIMEZONE,
            WEBHOOK_ALLOWED_HOSTS=self.settings.WEBHOOK_ALLOWED_HOSTS,
            DATABASE_POOL_SIZE="5",
        )
        scale = clock.current_scale()
        if scale is not None:
            env.update(clock.scale_env(scale))
        env.update(self.env)
        return env

    def spawn(self) -> subprocess.Popen[bytes]:
        index = len(self.processes)
        log = open(self.tmp_path / f"scheduler-{index}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduler"], cwd=self.tmp_path, env=self.environment(),
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [process for process in self.processes if process.poll() is None]

    def wait_for_leader(self, timeout: float, exclude: int | None = None) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = leader_pid(self.settings)
            if pid is not None and pid != exclude and any(p.pid == pid for p in self.alive()):
                return pid
            time.sleep(0.05)
        raise AssertionError(f"no leader within {timeout} s; logs in {self.tmp_path}")

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            if process.pid == pid:
                process.wait(5)

    def stop_all(self) -> None:
        for process in self.alive():
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.tmp_path.glob("scheduler-*.log"))
        )


@pytest.fixture
def candidates(leader_settings: Settings, tmp_path: Path) -> Iterator[Candidates]:
    group = Candidates(leader_settings, tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def slot_counts(db: Session) -> dict[tuple[str, object], int]:
    """{(job_id, scheduled_for): number of rows} over scheduled executions."""
    db.expire_all()
    rows = db.execute(
        select(JobExecution.job_id, JobExecution.scheduled_for, func.count())
        .where(JobExecution.scheduled_for.is_not(None))
        .group_by(JobExecution.job_id, JobExecution.scheduled_for)
    ).all()
    db.rollback()
    return {(job_id, slot): count for job_id, slot, count in rows}
