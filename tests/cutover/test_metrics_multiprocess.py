"""Metrics and window figures add up across two gateway processes (PROMETHEUS_MULTIPROC_DIR).

Two `uvicorn gateway:app` processes (as two workers or two replicas on one host) share
one multiprocess directory and the test database, both scheduler candidates. Known
traffic (shadowed) goes to each; either one's /metrics reports the sums (requests,
shadow verdicts, one leader, idle bridges, the route's state), a stopped process's live
gauges go away while its counts stay, and both processes' figures and shadow verdicts
land in the same database rows.
Cost: two process start-ups (~3 s each on this machine) per backend.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from cutover import flags
from cutover.figures import arm_figures
from cutover.flags import set_flag
from shared_models.db import begin_write, make_sessionmaker
from tests.live_gateway import GatewayProcess, gateway_env
from tests.metrics_text import value

HEALTH = "GET /api/health"
COUNT = "http_server_request_duration_seconds_count"


@pytest.fixture
def processes(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[tuple[GatewayProcess, GatewayProcess, Path]]:
    """Started after `engine` (which empties a PostgreSQL database first), stopped before it."""
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    # Both processes are scheduler candidates on one lock: exactly one leads.
    env = gateway_env(
        database_url, SCHEDULER_ENABLED="true", SCHEDULER_LOCK_PATH=str(tmp_path / "scheduler.lock"),
        SCHEDULER_STANDBY_POLL_SECONDS="0.2", CUTOVER_FIGURES_FLUSH_SECONDS="0.2", CUTOVER_REFRESH_INTERVAL="0.2",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
    )
    first = GatewayProcess(tmp_path, env, "--no-access-log", name="first")
    second = GatewayProcess(tmp_path, env, "--no-access-log", name="second")
    try:
        first.wait_ready("/metrics")
        second.wait_ready("/metrics")
        yield first, second, multiproc
    finally:
        first.stop()
        second.stop()


def _eventually(read, expected, timeout: float = 30):  # noqa: ANN001, ANN202
    """Poll `read()` until it returns `expected` (background work: flushes, replays, election)."""
    deadline = time.monotonic() + timeout
    while (found := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_two_processes_add_up(processes: tuple[GatewayProcess, GatewayProcess, Path], engine: Engine) -> None:
    first, second, multiproc = processes
    sessions = make_sessionmaker(engine)
    with sessions() as db:  # shadow on the route: each process replays what it served
        begin_write(db)
        set_flag(session=db, route_key=HEALTH, state="shadow", actor="test")
        db.commit()
    time.sleep(1)  # both processes' flag snapshots (refreshed every 0.2 s)
    for process, count in ((first, 3), (second, 4)):
        with httpx.Client(base_url=process.base, timeout=10) as http:
            for _ in range(count):
                answer = http.get("/api/health")
                assert answer.status_code == 200 and answer.headers["x-request-id"]
    labels = {"route": HEALTH, "stack": "legacy", "state": "shadow", "status_class": "2xx"}

    def scrape(process: GatewayProcess) -> str:
        return httpx.get(f"{process.base}/metrics", timeout=10).text

    def shadowed(process: GatewayProcess) -> float:
        return value(scrape(process), "cutover_shadow_comparisons_total", route=HEALTH, verdict="matched")

    assert _eventually(lambda: shadowed(first), 7) == 7
    assert _eventually(lambda: value(scrape(first), "scheduler_is_leader"), 1) == 1  # one leader of two
    # A scrape drains its own process's observations; the other's come with its next flush.
    assert _eventually(lambda: value(scrape(first), COUNT, **labels), 7) == 7
    for process in (first, second):
        text = scrape(process)
        assert value(text, COUNT, **labels) == 7  # whichever process answers the scrape
        assert value(text, "cutover_route_state", route=HEALTH, state="shadow") == 1
        assert value(text, "cutover_route_state", route=HEALTH, state="legacy") == 0
        assert value(text, "cutover_shadow_comparisons_total", route=HEALTH, verdict="matched") == 7
        assert value(text, "scheduler_is_leader") == 1
        assert (value(text, "gateway_wsgi_busy_threads"), value(text, "gateway_wsgi_queue_depth")) == (0, 0)
    pids = {path.stem.rsplit("_", 1)[-1] for path in multiproc.glob("histogram_*.db")}
    assert pids == {str(first.popen.pid), str(second.popen.pid)}

    def legacy_arm() -> tuple[int, int, int]:
        with sessions() as db:
            arm = arm_figures(db, route_key=HEALTH, since=datetime(2000, 1, 1, tzinfo=UTC))["legacy"]
        return arm.requests, arm.errors_5xx, sum(arm.buckets.values())

    assert _eventually(legacy_arm, (7, 0, 7)) == (7, 0, 7)  # each process flushes its own every 0.2 s

    def verdicts() -> int:
        with sessions() as db:
            return flags.shadow_total(db, HEALTH)

    assert _eventually(verdicts, 7) == 7  # and its batched shadow verdicts, once a second

    second.stop()  # its counts stay in the sums; its live gauges are dropped
    text = httpx.get(f"{first.base}/metrics", timeout=10).text
    assert value(text, COUNT, **labels) == 7
    assert not list(multiproc.glob(f"gauge_livesum_{second.popen.pid}.db"))
    assert list(multiproc.glob(f"gauge_livesum_{first.popen.pid}.db"))
