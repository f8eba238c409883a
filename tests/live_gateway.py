"""`uvicorn gateway:app` as a real process of its own, for tests that need the whole
stack over real sockets and real time (a browser's view of the API, several workers or
replicas, metrics summed across processes).

    with live_gateway(database_url, tmp_path, JWT_ACCESS_TOKEN_EXPIRES="2") as base:
        httpx.get(f"{base}/api/health")

    process = GatewayProcess(tmp_path, env, "--workers", "2")
    process.wait_ready()
    ...
    process.stop()

The process runs in its work directory, so no `.env` of the checkout applies.
`tests/cutover/live.py` serves a gateway in a thread of the test process instead, when a
test must reach into the `Gateway` object.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from shared_models.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET

START_TIMEOUT = 60.0  # seconds; a shared 2-core machine can be slow to import both stacks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_env(database_url: str, **settings: str) -> dict[str, str]:
    """This environment plus the test database and secret, no scheduler, no dev admin
    (several processes seeding it at once would race on PostgreSQL), no mail."""
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "SCHEDULER_ENABLED": "false",
        "ALLOW_DEFAULT_ADMIN": "false",
        "MAIL_ENABLED": "false",
        **settings,
    }


class GatewayProcess:
    """One `uvicorn gateway:app` on a free loopback port; its output in `<workdir>/<name>.log`."""

    def __init__(self, workdir: Path, env: Mapping[str, str], *uvicorn_args: str, name: str = "gateway") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "gateway:app", "--host", "127.0.0.1", "--port", str(self.port),
                 *uvicorn_args],
                cwd=workdir, env=dict(env), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )

    def wait_ready(self, path: str = "/api/health") -> None:
        """Until `path` answers 200; fails with the process's output if it died or took too long."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if httpx.get(f"{self.base}{path}", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.popen.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self) -> None:
        """A graceful stop (the lifespan shutdown runs), then a kill if it hangs."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


@contextmanager
def live_gateway(database_url: str, workdir: Path, **settings: str) -> Iterator[str]:
    """Start the gateway, wait until /api/health answers 200, yield its base URL."""
    process = GatewayProcess(workdir, gateway_env(database_url, **settings))
    try:
        process.wait_ready()
        yield process.base
    finally:
        process.stop()
