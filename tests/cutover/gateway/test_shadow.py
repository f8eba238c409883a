"""Shadow mode: Flask answers, FastAPI replays safe requests afterwards, verdicts are counted."""

from __future__ import annotations

import anyio
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from cutover import flags
from gateway import Gateway
from shared_models.models.ops import ShadowMismatch, ShadowStat
from shared_models.settings import Settings
from tests.cutover.gateway.conftest import refreshed, set_flag
from tests.helpers import bearer, make_user


def _drain(client: TestClient, gateway: Gateway) -> None:
    client.portal.call(gateway.shadow.drain)  # type: ignore[union-attr]


def _stat(db: Session, key: str) -> tuple[int, int, int]:
    db.expire_all()
    row = db.get(ShadowStat, key)
    return (row.compared, row.matched, row.mismatched) if row else (0, 0, 0)


def test_shadow_counts_matches_and_only_replays_safe_methods(
    gateway: Gateway, client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, "admin")
    set_flag(db, "GET /api/auth/me", "shadow")
    set_flag(db, "POST /api/jobs/validate-cron", "shadow")
    refreshed(gateway)
    for _ in range(3):
        answer = client.get("/api/auth/me", headers=bearer(settings, user))
        assert answer.headers["x-served-by"] == "legacy" and answer.status_code == 200
    assert client.head("/api/auth/me", headers=bearer(settings, user)).headers["x-served-by"] == "legacy"
    client.post("/api/jobs/validate-cron", json={"expression": "* * * * *"}, headers=bearer(settings, user))
    _drain(client, gateway)
    assert _stat(db, "GET /api/auth/me") == (4, 4, 0)
    assert _stat(db, "POST /api/jobs/validate-cron") == (0, 0, 0)


def test_mismatches_are_kept_with_their_diff_newest_n(
    settings: Settings, db: Session
) -> None:
    from cutover.config import CutoverConfig
    from gateway import create_gateway

    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, shadow_keep=2))
    inner = gateway.v2

    async def drifting_v2(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_changed(message: Message) -> None:
            if message["type"] == "http.response.body" and scope["path"] == "/api/v2/health":
                message = {**message, "body": message["body"].replace(b'"ok"', b'"drift"')}
            await send(message)

        await inner(scope, receive, send_changed if scope["path"] == "/api/v2/health" else send)

    gateway.v2 = drifting_v2
    with TestClient(gateway) as client:
        set_flag(db, "GET /api/health", "shadow")
        refreshed(gateway)
        for number in range(3):
            answer = client.get(f"/api/health?n={number}")
            assert answer.status_code == 200 and answer.headers["x-served-by"] == "legacy"
            assert b"drift" not in answer.content  # the caller always gets Flask's answer
            _drain(client, gateway)
    assert _stat(db, "GET /api/health") == (3, 0, 3)
    kept = db.scalars(select(ShadowMismatch).order_by(ShadowMismatch.at)).all()
    assert [m.request for m in kept] == ["GET /api/health?n=1", "GET /api/health?n=2"]
    assert "legacy 'ok' != v2 'drift'" in kept[0].diff
    stats = flags.shadow_stats(session=db, route_key="GET /api/health")
    assert stats[0]["mismatched"] == 3 and len(stats[0]["recent_mismatches"]) == 2


def test_replays_beyond_the_queue_are_dropped(settings: Settings, db: Session) -> None:
    from cutover.config import CutoverConfig
    from gateway import create_gateway

    # One replay running (held by slow_v2), one waiting in the queue: the third is dropped.
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, shadow_concurrency=1, shadow_queue=1))
    inner = gateway.v2
    release = anyio.Event()

    async def slow_v2(scope: Scope, receive: Receive, send: Send) -> None:
        await release.wait()
        await inner(scope, receive, send)

    gateway.v2 = slow_v2
    with TestClient(gateway) as client:
        set_flag(db, "GET /api/health", "shadow")
        refreshed(gateway)
        for _ in range(3):
            assert client.get("/api/health").status_code == 200  # never waits for the replay
        assert gateway.shadow.dropped == 1
        client.portal.call(release.set)  # type: ignore[union-attr]
        _drain(client, gateway)
    assert _stat(db, "GET /api/health") == (2, 2, 0)
