"""What scripts/nginx_check.sh tells the live edge tests, through NGINX_CHECK_* variables.

The live tests (tests/deploy/test_nginx_live.py for any app, and
tests/cutover/test_nginx_live_gateway.py for what only the gateway adds) are skipped
unless that script started nginx and the replicas and set NGINX_CHECK_URL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

URL = os.environ.get("NGINX_CHECK_URL", "")
APP = os.environ.get("NGINX_CHECK_APP", "")
"""What the replicas run: `gateway:app` or `fastapi_app.main:app`."""
requires_check = pytest.mark.skipif(not URL, reason="needs scripts/nginx_check.sh (NGINX_CHECK_URL)")


def replica_logs() -> list[str]:
    """Each replica's output so far (uvicorn's access log, and the gateway's request log)."""
    return [Path(path).read_text() for path in os.environ["NGINX_CHECK_REPLICA_LOGS"].split(":")]


def replica_ports() -> list[int]:
    """The replicas' own loopback ports (their logs are named `replica_<port>.log`)."""
    return [int(Path(path).stem.rsplit("_", 1)[-1]) for path in os.environ["NGINX_CHECK_REPLICA_LOGS"].split(":")]


def replica_pids() -> list[int]:
    return [int(pid) for pid in os.environ["NGINX_CHECK_REPLICA_PIDS"].split()]


def edge_access_log() -> str:
    """nginx's access log (format `edge`: `... rid=<request id>`)."""
    return Path(os.environ["NGINX_CHECK_ACCESS_LOG"]).read_text()
