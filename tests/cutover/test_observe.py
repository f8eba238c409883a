"""The gateway's observations reach the shared window figures, flushed off the request path."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover import flags
from cutover.config import CutoverConfig
from cutover.figures import arm_figures
from cutover.observe import Observer, Seen
from cutover.registry import load_registry
from gateway import create_gateway
from shared_models.db import make_sessionmaker
from shared_models.request_log import REQUEST_LOG
from shared_models.settings import Settings
from tests.cutover.support import write
from tests.metrics_text import value

HEALTH = "GET /api/health"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def figures(db: Session, route_key: str) -> dict[str, tuple[int, int, int]]:
    db.rollback()
    found = arm_figures(db, route_key=route_key, since=LONG_AGO)
    db.rollback()
    return {stack: (f.requests, f.errors_5xx, sum(f.buckets.values())) for stack, f in found.items()}


def test_both_arms_of_a_legacy_route_reach_the_window_figures(settings: Settings, db: Session) -> None:
    # A flush interval longer than the test: only the shutdown flush writes.
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, figures_flush_interval=3600))
    with TestClient(gateway) as client:
        for _ in range(3):
            client.get("/api/health")
        write(db, flags.set_flag, route_key=HEALTH, state="fastapi", actor="test", force=True)
        gateway.flags.refresh()
        for _ in range(2):
            assert client.get("/api/health").headers["x-served-by"] == "fastapi"
        client.get("/api/v2/health")  # v2 callers are no arm of the legacy route
        client.get("/api/no-such-route")
        assert figures(db, HEALTH) == {"legacy": (0, 0, 0), "fastapi": (0, 0, 0)}  # nothing on the request path
    assert figures(db, HEALTH) == {"legacy": (3, 0, 3), "fastapi": (2, 0, 2)}


def test_figures_do_not_depend_on_the_metrics_and_log_switches(settings: Settings, db: Session) -> None:
    # Every route at legacy, metrics and logs off: the console's per-route traffic still counts.
    config = CutoverConfig(refresh_interval=0.1, figures_flush_interval=3600, metrics=False, request_log=False)
    with TestClient(create_gateway(settings, config)) as client:
        for _ in range(4):
            assert client.get("/api/health").headers["x-served-by"] == "legacy"
    assert figures(db, HEALTH) == {"legacy": (4, 0, 4), "fastapi": (0, 0, 0)}


def test_flushes_add_up_across_observers_and_count_5xx(settings: Settings, engine) -> None:  # noqa: ANN001
    sessions = make_sessionmaker(engine)
    workers = [Observer(sessions, slot_seconds=3600, flush_interval=3600, metrics=False, request_log=False)
               for _ in range(2)]
    seen = Seen(route="GET /api/jobs", stack="fastapi", state="canary", arm=True)

    def serve(observer: Observer) -> None:
        for n in range(200):
            observer.observe(seen, status=503 if n % 50 == 0 else 200, seconds=0.002, request_id="r",
                             user_id=None, method="GET")
        observer.flush()

    threads = [threading.Thread(target=serve, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sessions() as db:
        assert figures(db, "GET /api/jobs")["fastapi"] == (400, 8, 400)
    assert all(w.flush() == 0 for w in workers)  # nothing left pending


def test_a_failed_flush_keeps_its_counts(settings: Settings, engine) -> None:  # noqa: ANN001
    def broken() -> Session:
        raise RuntimeError("database down")

    observer = Observer(broken, slot_seconds=10, flush_interval=3600, metrics=False, request_log=False)
    observer.observe(Seen(route=HEALTH, stack="legacy", state="legacy", arm=True), status=200, seconds=0.001,
                     request_id="r", user_id=None, method="GET")
    assert observer.flush() == 0
    observer.sessionmaker = make_sessionmaker(engine)
    assert observer.flush() == 1
    with observer.sessionmaker() as db:
        assert figures(db, HEALTH)["legacy"] == (1, 0, 1)


def test_request_log_lines_are_what_logging_writes(request_log: io.StringIO) -> None:
    observer = Observer(lambda: None, slot_seconds=10, flush_interval=3600, metrics=False,  # type: ignore[arg-type, return-value]
                        request_log=True)
    seen = Seen(route="GET /api/jobs", stack="legacy", state="shadow")
    observer.observe(seen, status=200, seconds=0.0025, request_id="r1", user_id="7", method="GET")
    observer.drain()
    [direct] = request_log.getvalue().splitlines(keepends=True)
    line = json.loads(direct)
    assert (line["request_id"], line["route"], line["state"], line["status"], line["duration_ms"], line["user_id"]) == (
        "r1", "GET /api/jobs", "shadow", 200, 2.5, "7")
    # The shortcut writes the very bytes the logging machinery would have written.
    REQUEST_LOG.info(direct.rstrip("\n"))
    assert request_log.getvalue() == direct * 2


def test_observations_wait_for_a_full_batch_a_flush_or_a_scrape(
        settings: Settings, db: Session, request_log: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    observer = Observer(make_sessionmaker(db.get_bind()), slot_seconds=3600, flush_interval=3600, batch=3)
    seen = Seen(route=HEALTH, stack="legacy", state="legacy", arm=True)
    for request_id, ended in (("r1", 1_000.0), ("r2", 1_001.0)):
        monkeypatch.setattr(time, "time", lambda ended=ended: ended)
        observer.observe(seen, status=200, seconds=0.002, request_id=request_id, user_id=None, method="GET")
    assert request_log.getvalue() == ""  # nothing on the request path until the batch is full
    observer.observe(seen, status=503, seconds=0.002, request_id="r3", user_id=None, method="GET")
    lines = [json.loads(line) for line in request_log.getvalue().splitlines()]
    assert [(line["request_id"], line["ts"], line["status"]) for line in lines] == [
        ("r1", 1_000.0, 200), ("r2", 1_001.0, 200), ("r3", 1_001.0, 503)]  # in order, each at its own end
    observer.observe(seen, status=200, seconds=0.002, request_id="r4", user_id=None, method="GET")
    assert observer.flush() == 1  # a flush drains first: the figures hold all four
    assert json.loads(request_log.getvalue().splitlines()[-1])["request_id"] == "r4"
    assert figures(db, HEALTH)["legacy"] == (4, 1, 4)


class CountedWrites(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_a_batch_of_log_lines_is_one_write(request_log: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = REQUEST_LOG.handlers[0]
    stream = CountedWrites()
    handler.setStream(stream)  # type: ignore[attr-defined]
    monkeypatch.setattr(REQUEST_LOG, "handlers", [handler])  # without pytest's capture handlers beside it
    observer = Observer(lambda: None, slot_seconds=10, flush_interval=3600, metrics=False,  # type: ignore[arg-type, return-value]
                        request_log=True, batch=5)
    for n in range(5):
        observer.observe(Seen(), status=200, seconds=0.001, request_id=f"r{n}", user_id=None, method="GET")
    assert [json.loads(line)["request_id"] for line in stream.getvalue().splitlines()] == [f"r{n}" for n in range(5)]
    assert stream.writes == 1


def test_a_scrape_drains_its_own_process_first(settings: Settings) -> None:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, figures_flush_interval=3600))
    labels = {"route": HEALTH, "stack": "legacy", "state": "legacy", "status_class": "2xx"}
    with TestClient(gateway) as client:
        before = value(client.get("/metrics").text, "http_server_request_duration_seconds_count", **labels)
        client.get("/api/health")
        queued = len(gateway.observer._queued)
        after = value(client.get("/metrics").text, "http_server_request_duration_seconds_count", **labels)
    assert (queued, after - before) == (1, 1)


def test_request_log_goes_through_logging_when_reconfigured(request_log: io.StringIO) -> None:
    records: list[logging.LogRecord] = []
    REQUEST_LOG.handlers[0].addFilter(lambda record: records.append(record) or False)  # sees, drops
    observer = Observer(lambda: None, slot_seconds=10, flush_interval=3600, metrics=False,  # type: ignore[arg-type, return-value]
                        request_log=True)
    observer.observe(Seen(), status=404, seconds=0.001, request_id="r2", user_id=None, method="GET")
    observer.drain()
    assert [json.loads(record.getMessage())["request_id"] for record in records] == ["r2"]
    assert request_log.getvalue() == ""  # the filter said no, and was asked


def test_the_end_state_labels_every_twinned_route_as_the_gateway_does(
        settings: Settings, request_log: io.StringIO) -> None:
    """fastapi_app.main's `route` (log and histogram) is the registry key, on both prefixes."""
    from fastapi_app.main import create_main_app

    registry = load_registry(settings)
    pairs = [pair for pair in registry if pair.v2_path is not None]
    assert len(pairs) > 30
    expected = []
    with TestClient(create_main_app(settings, prepare=False)) as client:
        for pair in pairs:
            path = re.sub(r"<[^>]+>", "x1", pair.legacy_rule)
            for sent in (path, "/api/v2" + path[len("/api"):]):
                client.request(pair.method, sent)
                expected.append(pair.key)
    assert [json.loads(line)["route"] for line in request_log.getvalue().splitlines()] == expected
