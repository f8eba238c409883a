"""scheduler_fire_lateness_seconds, scheduler_executions_total, scheduler_is_leader after known work.

Read from this process's registry (`shared_models.metrics.exposition`), as differences:
the registry is process-wide.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from scheduler import start_candidate
from scheduler.runner import Runner
from shared_models import clock, metrics
from shared_models.db import make_sessionmaker
from shared_models.settings import Settings
from tests.helpers import make_job
from tests.local_http import LocalHTTPServer
from tests.metrics_text import value

NOW = datetime(2030, 1, 7, 0, 10, 5, tzinfo=UTC)


def scrape() -> str:
    return metrics.exposition()[0].decode()


def test_fired_slots_count_their_lateness_and_outcome(db: Session, leader_settings: Settings, engine,  # noqa: ANN001
                                                       http_server: LocalHTTPServer, webhook: str) -> None:
    http_server.on("/down", status=500, body="no")
    good = make_job(db, target_url=webhook, end_date=None)
    bad = make_job(db, target_url=http_server.url("/down"), end_date=None)
    runner = Runner(leader_settings, make_sessionmaker(engine))
    before = scrape()
    with clock.frozen(NOW):
        assert runner.fire(good.id, NOW - timedelta(seconds=5)) is not None  # 5 s late
        assert runner.fire(bad.id, NOW - timedelta(seconds=0.05)) is not None  # 50 ms late
        runner.claim_burst([(good.id, NOW - timedelta(seconds=40))])  # claimed 40 s late
    after = scrape()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("scheduler_executions_total", status="success", trigger="scheduled") == 1
    assert delta("scheduler_executions_total", status="failed", trigger="scheduled") == 1
    assert delta("scheduler_fire_lateness_seconds_count") == 3
    assert delta("scheduler_fire_lateness_seconds_sum") == pytest.approx(45.05)
    assert delta("scheduler_fire_lateness_seconds_bucket", le="0.05") == 1
    assert delta("scheduler_fire_lateness_seconds_bucket", le="5.0") == 2
    assert delta("scheduler_fire_lateness_seconds_bucket", le="30.0") == 2
    assert delta("scheduler_fire_lateness_seconds_bucket", le="60.0") == 3


def test_is_leader_is_one_while_leading_and_zero_after(leader_settings: Settings) -> None:
    handle = start_candidate(leader_settings)
    try:
        assert handle.wait_until_leader(20)
        assert value(scrape(), "scheduler_is_leader") == 1
    finally:
        handle.stop()
    assert value(scrape(), "scheduler_is_leader") == 0


def test_a_standalone_scheduler_serves_its_own_metrics(candidates) -> None:  # noqa: ANN001
    """`python -m scheduler` in its own container shares no multiprocess directory with a
    gateway: with SCHEDULER_METRICS_PORT it answers /metrics itself."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    candidates.env.update(SCHEDULER_METRICS_PORT=str(port), SCHEDULER_METRICS_ADDR="127.0.0.1")
    candidates.spawn()
    candidates.wait_for_leader(30)
    deadline = time.monotonic() + 30
    while True:  # the leader gauge is set right after the lock is taken
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.HTTPError:
            text = ""
        if value(text, "scheduler_is_leader") == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert value(text, "scheduler_is_leader") == 1
    assert "scheduler_fire_lateness_seconds_bucket" in text and "http_server_request_duration" not in text
