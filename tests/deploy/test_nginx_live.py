"""nginx in front of two live API replicas (scripts/nginx_check.sh sets this up).

The replicas run `gateway:app` or, as after Flask's retirement, `fastapi_app.main:app`
(NGINX_CHECK_APP; scripts/test.sh runs the check for each): what is checked here is the
edge and the API behind it, whichever app serves it. What only the gateway adds (its
`/metrics`, request ids echoed and logged) is in tests/cutover/test_nginx_live_gateway.py.

Skipped in the plain pytest run: it needs an nginx binary and two uvicorn processes,
which scripts/nginx_check.sh starts (scripts/test.sh runs it after the suites) and
describes through NGINX_CHECK_* environment variables (tests/deploy/nginx_check.py).
The tests run in file order; the last one stops the replicas to see nginx's own 502.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import pytest

from shared_models.errors import NOT_FOUND_BODY, payload_too_large
from shared_models.settings import Settings
from tests.deploy import nginx_conf
from tests.deploy.nginx_check import URL, edge_access_log, replica_logs, replica_pids, requires_check

pytestmark = requires_check

BOUNDARY = "nginxcheckboundary"
ADMIN = {"username": "admin", "password": "admin123"}  # the development admin of the check


@pytest.fixture(scope="module")
def client() -> httpx.Client:
    with httpx.Client(base_url=URL, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def auth(client: httpx.Client) -> dict[str, str]:
    response = client.post("/api/auth/login", json=ADMIN)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _upload_body(total: int) -> bytes:
    """A multipart dry-run CSV upload of exactly `total` bytes.

    One valid row, then padding rows whose only cell is under a blank header: the
    service drops that column and then the blank rows, and no cell exceeds the CSV
    module's field limit.
    """
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\ntrue\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="jobs.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        "name,cron_expression,end_date,target_url,\r\n"
        "nightly,0 3 * * *,2999-12-31,https://example.com/hook,\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    room = total - len(head) - len(tail)
    rows = []
    while room > 0:
        cell = min(room, 65_536) - 6  # ",,,,", cell, "\r\n"
        rows.append(b",,,," + b"x" * max(cell, 0) + b"\r\n")
        room -= len(rows[-1])
    body = head + b"".join(rows) + tail
    assert room == 0, "padding must fill exactly"
    return body


def _upload(client: httpx.Client, path: str, auth: dict[str, str], total: int) -> httpx.Response:
    body = _upload_body(total)
    assert len(body) == total
    headers = {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return client.post(path, content=body, headers=headers)


def _app_body_limit() -> int:
    settings = Settings(_env_file=None)
    return max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES)


@pytest.mark.parametrize("path", ["/api/health", "/api/v2/health"])
def test_health_through_the_edge(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"
    assert response.headers["server"] == "nginx"  # it did pass the edge


def test_login_and_authenticated_calls_on_both_prefixes(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    legacy = client.get("/api/auth/me", headers=auth)
    v2 = client.get("/api/v2/auth/me", headers=auth)
    assert legacy.status_code == v2.status_code == 200
    assert legacy.json()["user"]["username"] == v2.json()["user"]["username"] == "admin"
    assert client.get("/api/auth/me").status_code == 401  # and the header really mattered


def test_requests_spread_over_both_replicas(client: httpx.Client) -> None:
    marker = uuid.uuid4().hex
    count = 20
    for _ in range(count):
        assert client.get(f"/api/health?probe={marker}").status_code == 200
    time.sleep(0.2)  # access log lines are written after the response
    served = [log.count(f"probe={marker}") for log in replica_logs()]
    assert sum(served) == count, served
    assert all(n >= count // 4 for n in served), served


def test_metrics_are_not_served_at_the_edge(client: httpx.Client) -> None:
    marker = uuid.uuid4().hex
    edge = client.get(f"/metrics?probe={marker}")
    assert edge.status_code == 404 and edge.json() == NOT_FOUND_BODY  # nginx's own answer
    assert edge.headers["content-type"] == "application/json"
    time.sleep(0.2)  # access log lines are written after the response
    assert all(f"probe={marker}" not in log for log in replica_logs())  # no replica was asked


def test_the_edge_logs_the_request_id(client: httpx.Client) -> None:
    given = f"edge-check-{uuid.uuid4().hex}"
    assert client.get("/api/health", headers={"X-Request-ID": given}).status_code == 200
    time.sleep(0.2)  # log lines are written after the response
    assert f"rid={given}" in edge_access_log()


def test_upload_at_the_limit_passes_on_both_stacks(client: httpx.Client, auth: dict[str, str]) -> None:
    # Exactly the limit: the largest body nginx and both stacks must accept.
    near = _app_body_limit()
    for path in ("/api/jobs/bulk-upload", "/api/v2/jobs/bulk-upload"):
        response = _upload(client, path, auth, near)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        assert response.json()["message"] == "CSV validated successfully"
        assert response.json()["dry_run"] is True
        assert response.json()["stats"]["removed_empty_row_count"] > 70  # the padding arrived


def test_upload_over_the_limit_gets_nginx_json_413(client: httpx.Client, auth: dict[str, str]) -> None:
    limit = _app_body_limit()
    assert nginx_conf.client_max_body_size() == limit
    marker = uuid.uuid4().hex
    for path in ("/api/jobs/bulk-upload", "/api/v2/jobs/bulk-upload"):
        response = _upload(client, f"{path}?probe={marker}", auth, limit + 1)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/json"
        assert response.json() == payload_too_large(limit).body  # the app's own wording
    time.sleep(0.2)
    # nginx answered itself: no replica saw these requests.
    assert all(f"probe={marker}" not in log for log in replica_logs())


def test_replicas_down_gives_json_502(client: httpx.Client) -> None:
    for pid in replica_pids():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    response = client.get("/api/v2/health")
    while response.status_code != 502 and time.monotonic() < deadline:
        time.sleep(0.2)
        response = client.get("/api/v2/health")
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/json"
    status, body, _ = nginx_conf.named_location_answer("@bad_gateway")
    assert status == 502
    assert response.json() == body
    assert set(body) == {"error", "message"}
