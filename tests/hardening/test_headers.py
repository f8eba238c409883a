"""nosniff on every answer and CORS preflights alike on both stacks, for every route."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from cutover.registry import load_registry
from shared_models.settings import Settings
from tests.hardening.conftest import World
from tests.helpers import bearer

CORS_HEADERS = (
    "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
    "access-control-max-age", "access-control-allow-credentials", "access-control-expose-headers", "vary",
)


def _v2(path: str) -> str:
    return "/api/v2" + path[len("/api"):]


def _fill(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "some-id", rule)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/health", 200),
        ("GET", "/api/jobs", 200),
        ("GET", "/api/nowhere", 404),
        ("DELETE", "/api/health", 405),
        ("POST", "/api/jobs", 400),
        ("GET", "/api/jobs/%00", 404),
        ("OPTIONS", "/api/jobs", 200),
    ],
)
def test_every_answer_says_nosniff(
    method: str, path: str, status: int, gateway: TestClient, settings: Settings, world: World
) -> None:
    for url in (path, _v2(path)):
        response = gateway.request(method, url, headers=bearer(settings, world.admin))
        assert response.status_code == status, url
        assert response.headers["x-content-type-options"] == "nosniff", url


def test_preflights_answer_the_same_on_every_route(gateway: TestClient, settings: Settings) -> None:
    for pair in load_registry(settings):
        path = _fill(pair.legacy_rule)
        for origin in ("https://app.example.com", None):
            headers = {"Access-Control-Request-Method": pair.method, "Access-Control-Request-Headers": "authorization, content-type, x-other"}
            if origin:
                headers["Origin"] = origin
            legacy = gateway.options(path, headers=headers)
            v2 = gateway.options(_v2(path), headers=headers)
            assert legacy.status_code == v2.status_code == 200, pair.key
            for name in CORS_HEADERS:
                assert legacy.headers.get(name) == v2.headers.get(name), (pair.key, name)
            if origin:
                assert legacy.headers["access-control-allow-origin"] == origin
                assert legacy.headers["access-control-allow-headers"] == "authorization, content-type"
