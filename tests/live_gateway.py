"""A real `uvicorn gateway:app` process on the test database, for tests that need the
whole stack over real sockets and real time (a browser's view of the API).

    with live_gateway(database_url, tmp_path, JWT_ACCESS_TOKEN_EXPIRES="2") as base:
        httpx.get(f"{base}/api/health")

Settings come from the environment given (the test secret, no scheduler, no dev admin,
no mail by default); the process runs in `workdir` so no `.env` of the checkout applies.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@contextmanager
def live_gateway(database_url: str, workdir: Path, **settings: str) -> Iterator[str]:
    """Start the gateway, wait until /api/health answers 200, yield its base URL."""
    port = free_port()
    env = {
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
    log = workdir / "gateway.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "gateway:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(15)
