"""Metrics and window figures add up across two gateway processes (PROMETHEUS_MULTIPROC_DIR).

Two `uvicorn gateway:app` processes (as two workers or two replicas on one host) share
one multiprocess directory and the test database. Known traffic goes to each; either
one's /metrics reports the sum, a stopped process's live gauges go away while its
counts stay, and both processes' figures land in the same database rows.
Cost: two process start-ups (~3 s each on this machine) per backend.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from cutover.figures import arm_figures
from shared_models.db import make_sessionmaker
from shared_models.settings import PROJECT_ROOT
from tests.metrics_text import value

HEALTH = "GET /api/health"
COUNT = "http_server_request_duration_seconds_count"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    def __init__(self, env: dict[str, str], tmp: Path, name: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{name}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "gateway:app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--no-access-log"],
                cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/metrics", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.popen.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)  # a graceful stop: the lifespan shutdown runs
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


@pytest.fixture
def processes(database_url: str, tmp_path: Path) -> Iterator[tuple[Process, Process, Path]]:
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    env = {**os.environ, "DATABASE_URL": database_url, "SCHEDULER_ENABLED": "false",
           "ALLOW_DEFAULT_ADMIN": "false", "CUTOVER_FIGURES_FLUSH_SECONDS": "0.2",
           "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "PYTHONPATH": str(PROJECT_ROOT)}
    first = Process(env, tmp_path, "first")
    second = Process(env, tmp_path, "second")
    try:
        first.wait_ready()
        second.wait_ready()
        yield first, second, multiproc
    finally:
        first.stop()
        second.stop()


def test_two_processes_add_up(processes: tuple[Process, Process, Path], engine: Engine) -> None:
    first, second, multiproc = processes
    for process, count in ((first, 3), (second, 4)):
        with httpx.Client(base_url=process.base, timeout=10) as http:
            for _ in range(count):
                answer = http.get("/api/health")
                assert answer.status_code == 200 and answer.headers["x-request-id"]
    labels = {"route": HEALTH, "stack": "legacy", "state": "legacy", "status_class": "2xx"}
    for process in (first, second):
        text = httpx.get(f"{process.base}/metrics", timeout=10).text
        assert value(text, COUNT, **labels) == 7  # whichever process answers the scrape
        assert value(text, "cutover_route_state", route=HEALTH, state="legacy") == 1
    pids = {path.stem.rsplit("_", 1)[-1] for path in multiproc.glob("histogram_*.db")}
    assert pids == {str(first.popen.pid), str(second.popen.pid)}

    sessions = make_sessionmaker(engine)
    deadline = time.monotonic() + 30
    while True:  # each process flushes its own figures within ~0.2 s
        with sessions() as db:
            legacy = arm_figures(db, route_key=HEALTH, since=datetime(2000, 1, 1, tzinfo=UTC))["legacy"]
        if legacy.requests == 7 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (legacy.requests, legacy.errors_5xx, sum(legacy.buckets.values())) == (7, 0, 7)

    second.stop()  # its counts stay in the sums; its live gauges are dropped
    text = httpx.get(f"{first.base}/metrics", timeout=10).text
    assert value(text, COUNT, **labels) == 7
    assert not list(multiproc.glob(f"gauge_livesum_{second.popen.pid}.db"))
    assert list(multiproc.glob(f"gauge_livesum_{first.popen.pid}.db"))
