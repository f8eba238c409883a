"""The v2 app answers as Flask does where the legacy stack has the same behaviour: JSON
404/405, HEAD and OPTIONS, jsonify bytes, health, Flask-CORS headers (D2, D16).

Both stacks are asked and compared, so this file goes with Flask; the v2-only checks of
the same foundation stay in tests/fastapi_app/test_app.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from starlette.testclient import TestClient

from fastapi_app import create_app
from fastapi_app.responses import LegacyJSONResponse
from legacy_flask import create_app as create_legacy_app
from tests.conftest import make_settings
from tests.fastapi_app.test_app import _cors_headers

NOT_FOUND = {"error": "Not found", "message": "The requested URL was not found."}

# Legacy paths whose v2 twin is not /api/v2/<same rest> (a 401 route present on both).
V2_PATHS = {"/api/auth/me": "/api/v2/auth/verify"}


def _both(legacy_client: FlaskClient, v2_client: TestClient, method: str, legacy_path: str,
          headers: dict[str, str] | None = None) -> tuple[Any, Any]:
    legacy = legacy_client.open(legacy_path, method=method, headers=headers or {})
    v2_path = V2_PATHS.get(legacy_path, legacy_path.replace("/api/", "/api/v2/", 1))
    v2 = v2_client.request(method, v2_path, headers=headers or {})
    return legacy, v2

# --- D2: JSON 404 / 405, HEAD and OPTIONS like Flask --------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/api/health/", "/api/auth/verify/extra", "/api/jobs/x/y/z"])
def test_unknown_paths_answer_json_404(path: str, legacy_client: FlaskClient, v2_client: TestClient) -> None:
    legacy, v2 = _both(legacy_client, v2_client, "GET", path)

    assert (v2.status_code, v2.json()) == (404, NOT_FOUND)
    assert (legacy.status_code, legacy.get_json()) == (404, NOT_FOUND)
    assert v2.headers["content-type"] == legacy.headers["Content-Type"] == "application/json"

@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_json_405_with_allow(method: str, legacy_client: FlaskClient, v2_client: TestClient) -> None:
    legacy, v2 = _both(legacy_client, v2_client, method, "/api/health")

    expected = {"error": "Method not allowed", "message": f"The method {method} is not allowed for the requested URL."}
    assert (v2.status_code, v2.json()) == (405, expected)
    assert (legacy.status_code, legacy.get_json()) == (405, expected)
    assert v2.headers["allow"] == legacy.headers["Allow"] == "GET, HEAD, OPTIONS"

def test_head_is_the_get_without_body(legacy_client: FlaskClient, v2_client: TestClient) -> None:
    legacy, v2 = _both(legacy_client, v2_client, "HEAD", "/api/health")

    assert v2.status_code == legacy.status_code == 200
    assert v2.content == legacy.data == b""
    assert v2.headers["content-length"] == legacy.headers["Content-Length"]

def test_options_on_a_known_path_is_answered_like_flask(legacy_client: FlaskClient, v2_client: TestClient) -> None:
    legacy, v2 = _both(legacy_client, v2_client, "OPTIONS", "/api/health")

    assert v2.status_code == legacy.status_code == 200
    assert v2.content == legacy.data == b""
    assert v2.headers["content-type"] == legacy.headers["Content-Type"] == "text/html; charset=utf-8"
    assert set(v2.headers["allow"].split(", ")) == set(legacy.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}

def test_options_on_an_unknown_path_is_404(legacy_client: FlaskClient, v2_client: TestClient) -> None:
    legacy, v2 = _both(legacy_client, v2_client, "OPTIONS", "/api/nope")

    assert (v2.status_code, v2.json()) == (legacy.status_code, legacy.get_json()) == (404, NOT_FOUND)

@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": {"d": [1, 2.5, None], "c": True}},
        {"message": "Run 0 9 * * * → next at 09:00 é ☃ 😀"},
        [],
        {"n": 2.0, "big": 10**20, "neg": -0.5},
    ],
)
def test_json_bytes_are_flask_jsonify_bytes(value: Any, legacy_app: Flask) -> None:
    with legacy_app.app_context():
        from flask import jsonify

        expected = jsonify(value).get_data()

    assert LegacyJSONResponse(value).body == expected

def test_health_is_the_legacy_health(legacy_client: FlaskClient, v2_client: TestClient) -> None:
    legacy, v2 = _both(legacy_client, v2_client, "GET", "/api/health")

    assert v2.status_code == legacy.status_code == 200
    assert v2.json() == legacy.get_json() == {
        "status": "healthy", "scheduler_running": False, "scheduled_jobs_count": 0, "database": "ok"
    }
    assert v2.content == legacy.data

# --- CORS: the legacy Flask-CORS headers, side by side -------------------------------

CORS_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/api/health", {}),
    ("GET", "/api/health", {"Origin": "https://a.example"}),
    ("GET", "/api/health", {"Origin": "HTTPS://A.EXAMPLE"}),
    ("GET", "/api/health", {"Origin": "https://evil.example"}),
    ("OPTIONS", "/api/health", {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}),
    ("OPTIONS", "/api/health", {"Origin": "https://b.example", "Access-Control-Request-Method": "POST",
                                "Access-Control-Request-Headers": "content-type, Authorization, x-foo"}),
    ("OPTIONS", "/api/health", {"Origin": "https://a.example", "Access-Control-Request-Method": "PATCH"}),
    ("OPTIONS", "/api/health", {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}),
    ("OPTIONS", "/api/health", {"Origin": "https://a.example", "Access-Control-Request-Method": "GET",
                                "Access-Control-Request-Private-Network": "true"}),
    ("OPTIONS", "/api/health", {}),
    ("OPTIONS", "/api/nope", {"Origin": "https://a.example", "Access-Control-Request-Method": "DELETE"}),
    ("GET", "/api/nope", {"Origin": "https://a.example"}),
    ("POST", "/api/health", {"Origin": "https://a.example"}),
    ("GET", "/api/auth/me", {"Origin": "https://a.example"}),
]


@pytest.fixture(params=["*", "https://a.example,https://b.example", "https://a.example", "https://*.example"])
def cors_pair(request: pytest.FixtureRequest, database_url: str, engine: Engine) -> Iterator[tuple[FlaskClient, TestClient]]:
    settings = make_settings(database_url, CORS_ORIGINS=request.param)
    legacy_app = create_legacy_app(settings, prepare=False)
    with TestClient(create_app(settings, prepare=False)) as v2_client:
        yield legacy_app.test_client(), v2_client
    with legacy_app.app_context():
        from legacy_flask.extensions import db

        db.engine.dispose()


@pytest.mark.parametrize(("method", "path", "headers"), CORS_REQUESTS)
def test_cors_headers_match_flask_cors(
    method: str, path: str, headers: dict[str, str], cors_pair: tuple[FlaskClient, TestClient]
) -> None:
    legacy_client, v2_client = cors_pair
    legacy, v2 = _both(legacy_client, v2_client, method, path, headers)

    assert v2.status_code == legacy.status_code
    assert _cors_headers(v2.headers) == _cors_headers(legacy.headers)
