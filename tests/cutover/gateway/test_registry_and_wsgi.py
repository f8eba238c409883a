"""The route map from both apps, and the bounded a2wsgi admission."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from cutover.registry import Registry, load_registry, pair_routes, route_key, v2_twin_path
from cutover.wsgi import BUSY_BODY, BoundedAdmission
from shared_models.settings import Settings


@pytest.fixture
def registry(settings: Settings) -> Registry:
    return load_registry(settings)


def test_every_legacy_route_has_its_twin(registry: Registry) -> None:
    assert len(registry) == 45 and registry.unpaired_legacy == ()
    pair = registry.get("GET /api/jobs/<job_id>")
    assert pair is not None and pair.v2_path == "/api/v2/jobs/{job_id}"
    keys = registry.keys()
    assert all(not key.startswith(("HEAD ", "OPTIONS ")) for key in keys)
    assert list(keys) == sorted(keys)
    # v2-only routes (D17) are reported; the admin API is ops, not a twin.
    assert set(registry.unpaired_v2) == {"GET /api/v2/auth/verify", "POST /api/v2/auth/login/form",
                                         "POST /api/v2/auth/logout"}
    # ... and each answers at its /api path too (D17 amended), derived from the same list.
    assert [(pair.key, pair.v2_path) for pair in registry.v2_only] == [
        ("GET /api/auth/verify", "/api/v2/auth/verify"),
        ("POST /api/auth/login/form", "/api/v2/auth/login/form"),
        ("POST /api/auth/logout", "/api/v2/auth/logout"),
    ]


@pytest.mark.parametrize(("method", "path", "key"), [
    ("POST", "/api/auth/logout", "POST /api/auth/logout"),
    ("OPTIONS", "/api/auth/logout", "POST /api/auth/logout"),  # the preflight goes where the route is
    ("GET", "/api/auth/logout", "POST /api/auth/logout"),  # no Flask rule there: FastAPI's 405
    ("HEAD", "/api/auth/verify", "GET /api/auth/verify"),
    ("POST", "/api/auth/login/form", "POST /api/auth/login/form"),
    ("POST", "/api/auth/login", None),  # a paired route: its flag decides
    ("OPTIONS", "/api/jobs", None),
    ("POST", "/api/auth/logout/", None),
    ("POST", "/api/v2/auth/logout", None),
])
def test_match_v2_only(registry: Registry, method: str, path: str, key: str | None) -> None:
    pair = registry.match_v2_only(method, path)
    assert (pair.key if pair else None) == key


def test_templated_v2_only_routes_match_through_a_map() -> None:
    registry = pair_routes([("GET", "/api/a/<a_id>")], [("GET", "/api/v2/a/{a_id}"), ("DELETE", "/api/v2/a/{a_id}"),
                                                         ("PUT", "/api/v2/b/{b_id}")])
    assert [pair.key for pair in registry.v2_only] == ["DELETE /api/a/<a_id>", "PUT /api/b/<b_id>"]
    assert registry.match_v2_only("DELETE", "/api/a/1").v2_path == "/api/v2/a/{a_id}"  # type: ignore[union-attr]
    assert registry.match_v2_only("OPTIONS", "/api/b/2").key == "PUT /api/b/<b_id>"  # type: ignore[union-attr]
    assert registry.match_v2_only("GET", "/api/a/1") is None  # Flask's (paired) route
    assert registry.match_v2_only("PUT", "/api/b/2/x") is None


@pytest.mark.parametrize(("method", "path", "key"), [
    ("GET", "/api/jobs/abc", "GET /api/jobs/<job_id>"),
    ("HEAD", "/api/jobs/abc", "GET /api/jobs/<job_id>"),
    ("POST", "/api/jobs/validate-cron", "POST /api/jobs/validate-cron"),
    ("GET", "/api/jobs/a/executions/stats", "GET /api/jobs/<job_id>/executions/stats"),
    ("DELETE", "/api/notifications/delete-read", "DELETE /api/notifications/delete-read"),
    ("GET", "/api/jobs/", None),
    ("PATCH", "/api/jobs/abc", None),
    ("OPTIONS", "/api/jobs", None),
    ("GET", "/api/nope", None),
    ("GET", "/apix", None),
])
def test_match_is_the_rule_flask_would_pick(registry: Registry, method: str, path: str, key: str | None) -> None:
    pair = registry.match(method, path)
    assert (pair.key if pair else None) == key
    again = registry.match(method, path)  # remembered: the same answer
    assert again is pair and registry._matched[method, path] is pair


def test_remembered_matches_are_bounded(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cutover.registry.MATCH_CACHE", 8)
    for n in range(20):
        assert registry.match("GET", f"/api/jobs/{n}").key == "GET /api/jobs/<job_id>"  # type: ignore[union-attr]
        assert len(registry._matched) <= 8
    hostile = "/api/jobs/" + "x" * 300  # a path too long to keep
    assert registry.match("GET", hostile).key == "GET /api/jobs/<job_id>"  # type: ignore[union-attr]
    assert ("GET", hostile) not in registry._matched


def test_unpaired_routes_are_reported_both_ways() -> None:
    registry = pair_routes(
        [("GET", "/api/a/<int:a_id>"), ("POST", "/api/b")],
        [("GET", "/api/v2/a/{a_id}"), ("PUT", "/api/v2/b")],
    )
    assert registry.get("GET /api/a/<int:a_id>").v2_path == "/api/v2/a/{a_id}"  # type: ignore[union-attr]
    assert registry.unpaired_legacy == ("POST /api/b",)
    assert registry.unpaired_v2 == ("PUT /api/v2/b",)
    assert route_key("get", "/api/x") == "GET /api/x" and v2_twin_path("/api") == "/api/v2"


def test_flask_queue_is_bounded() -> None:
    release = asyncio.Event()
    entered = 0

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal entered
        entered += 1
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    bounded = BoundedAdmission(slow, limit=2)
    sent: list[list[dict[str, object]]] = [[], [], []]

    async def scenario() -> None:
        def sender(index: int) -> Send:
            async def send(message: dict[str, object]) -> None:
                sent[index].append(message)
            return send  # type: ignore[return-value]

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        tasks = [asyncio.create_task(bounded({"type": "http"}, receive, sender(i))) for i in range(2)]  # type: ignore[arg-type]
        await asyncio.sleep(0.01)
        await bounded({"type": "http"}, receive, sender(2))  # type: ignore[arg-type]  # refused at once
        assert sent[2][0]["status"] == 503 and bounded.in_flight == 2
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert entered == 2 and bounded.in_flight == 0
    assert [m[0]["status"] for m in sent] == [200, 200, 503]
    assert (b"retry-after", b"1") in sent[2][0]["headers"]  # type: ignore[operator]
    assert BUSY_BODY["error"] == "Service unavailable"


def test_gateway_logs_v2_only_routes_at_start_up(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    from gateway import create_gateway
    from tests.cutover.gateway.conftest import FAST

    with caplog.at_level("INFO", logger="gateway"), TestClient(create_gateway(settings, FAST)):
        pass
    assert "route map: v2 only (FastAPI answers it at /api too): /api/v2/auth/logout (POST /api/auth/logout)" in caplog.text
    assert not [record for record in caplog.records if record.levelname == "WARNING" and "route map" in record.message]
