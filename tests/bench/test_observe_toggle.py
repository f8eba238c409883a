"""The shadow bench's switch turns off what the two settings turn off, and nothing else."""

from __future__ import annotations

import io

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bench.observe_toggle import SWITCH_PREFIX, with_observe_switch
from cutover.config import CutoverConfig
from gateway import create_gateway
from shared_models.settings import Settings
from tests.cutover.test_observe import HEALTH, figures
from tests.metrics_text import value

DURATION = "http_server_request_duration_seconds_count"
LEGACY_HEALTH = {"route": HEALTH, "stack": "legacy", "state": "legacy", "status_class": "2xx"}


def test_off_skips_the_histogram_and_the_log_line_but_not_the_figures(
    settings: Settings, db: Session, request_log: io.StringIO
) -> None:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, figures_flush_interval=3600))
    with TestClient(with_observe_switch(lambda: gateway)) as client:
        before = value(client.get("/metrics").text, DURATION, **LEGACY_HEALTH)
        assert client.post(SWITCH_PREFIX + "off").status_code == 204
        for _ in range(3):
            assert client.get("/api/health").status_code == 200
        off = value(client.get("/metrics").text, DURATION, **LEGACY_HEALTH)
        logged_while_off = request_log.getvalue()
        assert client.post(SWITCH_PREFIX + "on").status_code == 204
        for _ in range(2):
            assert client.get("/api/health").status_code == 200
        on = value(client.get("/metrics").text, DURATION, **LEGACY_HEALTH)
    assert (off - before, on - off) == (0, 2)
    assert HEALTH not in logged_while_off and request_log.getvalue().count(f'"route":"{HEALTH}"') == 2
    assert figures(db, HEALTH) == {"legacy": (5, 0, 5), "fastapi": (0, 0, 0)}  # counted all along
