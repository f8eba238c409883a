"""The shadow bench's switches set what an operator's settings set, and nothing else."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bench.gateway_switches import DRAIN, OBSERVE, shadow_switch_path, with_switches
from cutover.config import CutoverConfig
from gateway import create_gateway
from shared_models.models.ops import CutoverFlag, ShadowStat
from shared_models.settings import Settings
from tests.cutover.test_observe import HEALTH, figures
from tests.metrics_text import value

DURATION = "http_server_request_duration_seconds_count"
LEGACY_HEALTH = {"route": HEALTH, "stack": "legacy", "state": "legacy", "status_class": "2xx"}


def test_off_skips_the_histogram_and_the_log_line_but_not_the_figures(
    settings: Settings, db: Session, request_log: io.StringIO
) -> None:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, figures_flush_interval=3600))
    with TestClient(with_switches(lambda: gateway)) as client:
        before = value(client.get("/metrics").text, DURATION, **LEGACY_HEALTH)
        assert client.post(OBSERVE + "off").status_code == 204
        for _ in range(3):
            assert client.get("/api/health").status_code == 200
        off = value(client.get("/metrics").text, DURATION, **LEGACY_HEALTH)
        logged_while_off = request_log.getvalue()
        assert client.post(OBSERVE + "on").status_code == 204
        for _ in range(2):
            assert client.get("/api/health").status_code == 200
        on = value(client.get("/metrics").text, DURATION, **LEGACY_HEALTH)
    assert (off - before, on - off) == (0, 2)
    assert HEALTH not in logged_while_off and request_log.getvalue().count(f'"route":"{HEALTH}"') == 2
    assert figures(db, HEALTH) == {"legacy": (5, 0, 5), "fastapi": (0, 0, 0)}  # counted all along


def test_the_shadow_switch_writes_the_flag_and_sets_the_sample_rate(settings: Settings, db: Session) -> None:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=3600, shadow_sample_rate=0.5))

    def compared() -> int:
        db.rollback()
        return db.scalar(select(ShadowStat.compared).where(ShadowStat.route_key == HEALTH)) or 0

    def flag() -> str | None:
        db.rollback()
        return db.scalar(select(CutoverFlag.state).where(CutoverFlag.route_key == HEALTH))

    with TestClient(with_switches(lambda: gateway)) as client:
        assert client.post(shadow_switch_path(1.0, [HEALTH])).status_code == 204
        assert (flag(), gateway.flags.table.state(HEALTH)[0], gateway.shadow.sample_rate) == ("shadow", "shadow", 1.0)
        for _ in range(3):
            assert client.get("/api/health").headers["X-Served-By"] == "legacy"
        assert client.post(DRAIN).status_code == 204
        replayed = compared()  # every request, as the drain wrote them
        assert client.post(shadow_switch_path(0, [HEALTH])).status_code == 204
        assert (flag(), gateway.flags.table.state(HEALTH)[0]) == ("legacy", "legacy")
        for _ in range(2):
            assert client.get("/api/health").status_code == 200
        assert client.post(DRAIN).status_code == 204
        assert client.post("/__bench/nothing").status_code == 404
        assert client.post(shadow_switch_path(1.5, [HEALTH])).status_code == 400
        assert client.post("/__bench/shadow?rate=0.1").status_code == 400  # no route
        assert flag() == "legacy"  # a refused switch changes nothing
    assert (replayed, compared()) == (3, 3)
