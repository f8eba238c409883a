"""Cutover flags flipped back and forth under load, on a real `uvicorn --workers 2`.

Client threads open a new connection per request (so the kernel spreads them over
both worker processes) while the test flips `GET /api/health` between legacy and
fastapi in the shared database (cutover.flags.set_flag, as the CLI/admin API do).
Every request must succeed, and every answer that started more than 1 s after a flip
must come from the new stack (X-Served-By). The access log carries the worker pid, so
the test also checks both workers served requests around the flips.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cutover.flags import set_flag
from shared_models.db import begin_write, make_sessionmaker
from tests.live_gateway import GatewayProcess, gateway_env

ROUTE = "GET /api/health"
FLIPS = ["fastapi", "legacy", "fastapi", "legacy"]
SETTLE = 1.0  # a flip must be served by every worker within this


def _log_config(path: Path) -> Path:
    """uvicorn's access log with the worker pid in front."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"access": {"()": "uvicorn.logging.AccessFormatter", "use_colors": False,
                                  "fmt": 'pid=%(process)d "%(request_line)s" %(status_code)s'}},
        "handlers": {"access": {"class": "logging.FileHandler", "formatter": "access",
                                "filename": str(path.parent / "access.log")}},
        "loggers": {"uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False}},
    }
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def server(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session], Path]]:
    """The gateway on the test database (SQLite copy or PostgreSQL), two workers."""
    env = gateway_env(database_url, CUTOVER_REFRESH_INTERVAL="0.2")
    process = GatewayProcess(tmp_path, env, "--workers", "2", "--log-config", str(_log_config(tmp_path / "log.json")))
    try:
        process.wait_ready()
        yield process.base, make_sessionmaker(engine), tmp_path / "access.log"
    finally:
        process.stop()


def test_flags_flip_under_load_without_a_failed_request(
    server: tuple[str, sessionmaker[Session], Path],
) -> None:
    base, sessions, access_log = server
    answers: list[tuple[float, float, int, str]] = []  # started, ended, status, served by
    failures: list[str] = []
    stop = threading.Event()

    def client() -> None:
        limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each time
        with httpx.Client(base_url=base, timeout=10, limits=limits) as http:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    response = http.get("/api/health")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                answers.append((started, time.monotonic(), response.status_code,
                                response.headers.get("x-served-by", "")))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    flips: list[tuple[float, str]] = []
    try:
        time.sleep(0.5)
        for state in FLIPS:
            with sessions() as session:
                begin_write(session)
                set_flag(session=session, route_key=ROUTE, state=state, actor="flip-test", force=True)
                session.commit()
            flips.append((time.monotonic(), state))
            time.sleep(SETTLE + 0.6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)

    assert not failures, failures[:5]
    assert len(answers) > 200
    assert {status for *_, status, _ in answers} == {200}
    expected = {"fastapi": "fastapi", "legacy": "legacy"}
    for index, (flipped_at, state) in enumerate(flips):
        until = flips[index + 1][0] if index + 1 < len(flips) else float("inf")
        window = [a for a in answers if flipped_at + SETTLE <= a[0] and a[1] < until]
        assert window, f"no request in the settled window after flip {index}"
        stale = [a for a in window if a[3] != expected[state]]
        assert not stale, f"flip {index} to {state}: {len(stale)} stale answers of {len(window)}"
    # Both workers took part.
    pids = set(re.findall(r"^pid=(\d+) ", access_log.read_text(), re.M))
    assert len(pids) == 2, pids
