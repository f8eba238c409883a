"""Auto-rollback on a FastAPI 5xx burst, and flag changes reaching another gateway within 1 s."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from cutover.config import CutoverConfig
from gateway import create_gateway
from shared_models.models.ops import CutoverAudit, CutoverFlag
from shared_models.settings import Settings
from tests.cutover.gateway.conftest import refreshed, set_flag

KEY = "GET /api/health"


def test_a_failing_v2_route_flips_back_to_legacy_with_an_audit(settings: Settings, db: Session) -> None:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, rollback_errors=3, rollback_window=5))
    inner = gateway.v2

    async def broken_health(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/api/v2/health":
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await inner(scope, receive, send)

    gateway.v2 = broken_health
    set_flag(db, KEY, "fastapi")
    with TestClient(gateway) as client:
        refreshed(gateway)
        served = [client.get("/api/health") for _ in range(4)]
        assert [(r.status_code, r.headers["x-served-by"]) for r in served] == [
            (503, "fastapi"), (503, "fastapi"), (503, "fastapi"), (200, "legacy")]
        client.portal.call(gateway.shadow.drain)  # type: ignore[union-attr]
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            db.rollback()  # a new read each time: an open one keeps its snapshot, blind to the gateway's write
            if db.get(CutoverFlag, KEY).state == "legacy":  # type: ignore[union-attr]
                break
            time.sleep(0.05)
        refreshed(gateway)
        assert client.get("/api/health").headers["x-served-by"] == "legacy"
    db.expire_all()
    flag = db.get(CutoverFlag, KEY)
    assert flag is not None and (flag.state, flag.updated_by) == ("legacy", "gateway")
    audit = db.scalars(select(CutoverAudit).where(CutoverAudit.actor == "gateway")).all()
    assert len(audit) == 1
    assert (audit[0].from_state, audit[0].to_state) == ("fastapi", "legacy")
    assert "3 of the last 5 FastAPI answers were 5xx" in (audit[0].reason or "")


def test_healthy_answers_and_legacy_errors_never_roll_back(settings: Settings, db: Session) -> None:
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, rollback_errors=2, rollback_window=3))
    set_flag(db, "GET /api/jobs/<job_id>", "fastapi")
    with TestClient(gateway) as client:
        refreshed(gateway)
        for _ in range(5):  # 401s are client errors, not a burst
            assert client.get("/api/jobs/x").headers["x-served-by"] == "fastapi"
    db.expire_all()
    assert db.get(CutoverFlag, "GET /api/jobs/<job_id>").state == "fastapi"  # type: ignore[union-attr]


def test_a_flag_change_reaches_a_second_gateway_within_one_second(settings: Settings, db: Session) -> None:
    config = CutoverConfig()  # the default 0.5 s refresh
    first, second = create_gateway(settings, config), create_gateway(settings, config)
    with TestClient(first) as one, TestClient(second) as two:
        assert two.get("/api/health").headers["x-served-by"] == "legacy"
        set_flag(db, KEY, "fastapi")  # written to the shared DB (as the other replica's admin would)
        changed_at = time.monotonic()
        while two.get("/api/health").headers["x-served-by"] != "fastapi":
            assert time.monotonic() - changed_at < 1.0, "not picked up within 1 s"
            time.sleep(0.02)
        assert one.get("/api/health").headers["x-served-by"] == "fastapi"
        set_flag(db, KEY, "legacy")
        changed_at = time.monotonic()
        while two.get("/api/health").headers["x-served-by"] != "legacy":
            assert time.monotonic() - changed_at < 1.0
            time.sleep(0.02)
