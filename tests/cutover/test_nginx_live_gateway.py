"""What the gateway adds behind nginx (scripts/nginx_check.sh with its default
NGINX_CHECK_APP=gateway:app): each replica's `/metrics` on its own port, and request ids
echoed to the client and written in the replicas' request log.

`fastapi_app.main` alone has neither yet, so these go with the gateway when Flask
retires; the edge checks any app must pass are in tests/deploy/test_nginx_live.py
(nginx_check.sh runs this file first: that one ends by stopping the replicas).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.deploy.nginx_check import APP, URL, edge_access_log, replica_logs, replica_ports, requires_check

pytestmark = [
    requires_check,
    pytest.mark.skipif(bool(URL) and APP != "gateway:app", reason=f"the replicas run {APP}, not the gateway"),
]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=URL, timeout=30) as client:
        yield client


def test_metrics_are_served_inside(client: httpx.Client) -> None:
    assert client.get("/metrics").status_code == 404  # the edge refuses (tests/deploy)
    for port in replica_ports():
        inside = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert inside.status_code == 200 and "http_server_request_duration_seconds_bucket" in inside.text


def test_request_id_round_trip_through_the_edge(client: httpx.Client) -> None:
    given = f"edge-check-{uuid.uuid4().hex}"
    assert client.get("/api/health", headers={"X-Request-ID": given}).headers["x-request-id"] == given
    made = client.get("/api/v2/health").headers["x-request-id"]
    assert len(made) == 32 and made != given  # nginx's $request_id, passed on and echoed
    wanted = (f'"request_id":"{given}"', f'"request_id":"{made}"')
    deadline = time.monotonic() + 10  # log lines are written in batches, at the latest each flush (1 s)
    while not all(line in (logs := "".join(replica_logs())) for line in wanted) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(line in logs for line in wanted)
    edge_log = edge_access_log()
    assert f"rid={given}" in edge_log and f"rid={made}" in edge_log
