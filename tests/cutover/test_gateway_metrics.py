"""GET /metrics on the gateway, one process: every request counted under its route key.

The default registry is process-wide, so each test reads differences between two scrapes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover.config import CutoverConfig
from gateway import Gateway, create_gateway
from shared_models.settings import Settings
from tests.cutover.support import flag_of, write
from tests.helpers import bearer, make_job, make_user
from tests.metrics_text import label_values, value

HEALTH = "GET /api/health"
JOB = "GET /api/jobs/<job_id>"
DURATION = "http_server_request_duration_seconds_count"


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return create_gateway(settings, CutoverConfig(refresh_interval=0.1, figures_flush_interval=0.1))


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway) as client:
        yield client


def scrape(client: TestClient) -> str:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return answer.text


def flip(db: Session, gateway: Gateway, route_key: str, state: str, percent: int = 0) -> None:
    from cutover import flags

    write(db, flags.set_flag, route_key=route_key, state=state, canary_percent=percent, actor="test", force=True)
    gateway.flags.refresh()
    assert flag_of(db, route_key)[0] == state


def test_requests_are_counted_per_route_key_stack_state_and_status_class(
    gateway: Gateway, client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, "admin")
    job = make_job(db, user)
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/health").status_code == 200
    assert client.get(f"/api/jobs/{job.id}", headers=bearer(settings, user)).status_code == 200
    assert client.get("/api/jobs/no-such-job", headers=bearer(settings, user)).status_code == 404
    assert client.get("/api/no-such-route").status_code == 404
    flip(db, gateway, HEALTH, "fastapi")
    for _ in range(2):
        assert client.get("/api/health").headers["x-served-by"] == "fastapi"
    assert client.get("/api/v2/health").status_code == 200
    after = scrape(client)

    def delta(**labels: str) -> float:
        return value(after, DURATION, **labels) - value(before, DURATION, **labels)

    assert delta(route=HEALTH, stack="legacy", state="legacy", status_class="2xx") == 3
    assert delta(route=HEALTH, stack="fastapi", state="fastapi", status_class="2xx") == 2
    assert delta(route=HEALTH, stack="fastapi", state="direct", status_class="2xx") == 1
    assert delta(route=JOB, stack="legacy", state="legacy", status_class="2xx") == 1
    assert delta(route=JOB, stack="legacy", state="legacy", status_class="4xx") == 1
    assert delta(route="unmatched", stack="legacy", state="legacy", status_class="4xx") == 1
    routes = label_values(after, DURATION, "route")
    assert all(route == "unmatched" or " /api/" in route for route in routes)
    assert not any(job.id in route or "no-such" in route for route in routes)  # never a raw path
    buckets = value(after, "http_server_request_duration_seconds_bucket", route=HEALTH, stack="legacy",
                    state="legacy", status_class="2xx", le="+Inf")
    assert buckets == value(after, DURATION, route=HEALTH, stack="legacy", state="legacy", status_class="2xx")


def test_route_state_gauge_is_one_for_the_current_state_only(gateway: Gateway, client: TestClient,
                                                               db: Session) -> None:
    flip(db, gateway, HEALTH, "canary", 25)
    text = scrape(client)
    states = {state: value(text, "cutover_route_state", route=HEALTH, state=state)
              for state in ("legacy", "shadow", "canary", "fastapi")}
    assert states == {"legacy": 0, "shadow": 0, "canary": 1, "fastapi": 0}
    assert value(text, "cutover_route_state", route=JOB, state="legacy") == 1  # unflagged: legacy
    flip(db, gateway, HEALTH, "legacy")
    assert value(scrape(client), "cutover_route_state", route=HEALTH, state="canary") == 0


def test_bridge_gauges_are_exported_and_idle_after_traffic(client: TestClient) -> None:
    for _ in range(3):
        client.get("/api/health")
    text = scrape(client)
    assert "gateway_wsgi_busy_threads" in text and "gateway_wsgi_queue_depth" in text
    assert value(text, "gateway_wsgi_busy_threads") == 0
    assert value(text, "gateway_wsgi_queue_depth") == 0


def test_metrics_can_be_turned_off(settings: Settings) -> None:
    gateway = create_gateway(settings, CutoverConfig(metrics=False, request_log=False))
    with TestClient(gateway) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/api/health").status_code == 200


def test_v2_only_routes_get_the_end_states_labels_at_both_prefixes(
    gateway: Gateway, db: Session, settings: Settings, request_log: io.StringIO
) -> None:
    """Dashboards survive the retirement: the gateway labels a v2-only route (D17) as
    `fastapi_app.main` does, and a preflight or wrong method on it as `unmatched`."""
    from fastapi_app.main import create_main_app

    user = make_user(db)
    calls = [("POST", "/api/auth/logout"), ("POST", "/api/v2/auth/logout"),
             ("OPTIONS", "/api/v2/auth/logout"), ("GET", "/api/v2/auth/logout"), ("GET", "/api/auth/logout")]
    labels = {}
    for name, app in (("gateway", gateway), ("end state", create_main_app(settings, prepare=False))):
        request_log.seek(0)
        request_log.truncate()
        with TestClient(app) as client:
            for method, path in calls:
                client.request(method, path, headers={**bearer(settings, user), "Origin": "http://localhost:3000",
                                                      "Access-Control-Request-Method": "POST"})
        labels[name] = [json.loads(line)["route"] for line in request_log.getvalue().splitlines()]
    assert labels["gateway"] == ["POST /api/auth/logout", "POST /api/auth/logout", "unmatched", "unmatched",
                                 "unmatched"]
    assert labels["end state"] == labels["gateway"]
