"""nosniff on every answer and CORS preflights alike on `/api` and `/api/v2`, for every route."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from shared_models.settings import Settings
from tests.hardening.conftest import World
from tests.hardening.routes import api_routes, v2_path
from tests.helpers import bearer

CORS_HEADERS = (
    "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
    "access-control-max-age", "access-control-allow-credentials", "access-control-expose-headers", "vary",
)


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
    method: str, path: str, status: int, api: TestClient, settings: Settings, world: World
) -> None:
    for url in (path, v2_path(path)):
        response = api.request(method, url, headers=bearer(settings, world.admin))
        assert response.status_code == status, url
        assert response.headers["x-content-type-options"] == "nosniff", url


def test_preflights_answer_the_same_on_every_route(api: TestClient) -> None:
    for route in api_routes(api):
        path = _fill(route.legacy_rule)
        for origin in ("https://app.example.com", None):
            headers = {"Access-Control-Request-Method": route.method, "Access-Control-Request-Headers": "authorization, content-type, x-other"}
            if origin:
                headers["Origin"] = origin
            legacy = api.options(path, headers=headers)
            v2 = api.options(v2_path(path), headers=headers)
            assert legacy.status_code == v2.status_code == 200, route.key
            for name in CORS_HEADERS:
                assert legacy.headers.get(name) == v2.headers.get(name), (route.key, name)
            if origin:
                assert legacy.headers["access-control-allow-origin"] == origin
                assert legacy.headers["access-control-allow-headers"] == "authorization, content-type"
