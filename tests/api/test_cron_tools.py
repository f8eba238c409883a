"""validate-cron and cron-preview (§3.4.1-3.4.2, D1, D3) on each stack (tests/stacks.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import bearer, make_user

VALIDATE = "/api/jobs/validate-cron"
PREVIEW = "/api/jobs/cron-preview"
# Thursday 2026-11-26 10:00 in Tokyo.
NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
SUNDAYS = ["2026-11-29T09:00:00+09:00", "2026-12-06T09:00:00+09:00", "2026-12-13T09:00:00+09:00",
           "2026-12-20T09:00:00+09:00", "2026-12-27T09:00:00+09:00"]


def _signed_in_then_frozen(db: Session, settings: Settings, role: str) -> dict[str, str]:
    """A token issued on the real clock (JWT expiry is checked against it), then "now"
    pinned for the preview."""
    headers = bearer(settings, make_user(db, role))
    clock.freeze(NOW)
    return headers


@pytest.fixture
def auth(db: Session, settings: Settings) -> dict[str, str]:
    return _signed_in_then_frozen(db, settings, "viewer")


# -- validate-cron ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["expression", "cron_expression"])
def test_validate_valid(client: Any, auth: dict, key: str) -> None:
    response = client.post(VALIDATE, json={key: "  0  9 * * 0 "}, headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "valid": True,
        "message": "Valid cron expression",
        "cron_expression": "0 9 * * 0",
        "description": "At 09:00 AM, only on Sunday",
    }


def test_validate_prefers_expression_then_falls_back(client: Any, auth: dict) -> None:
    both = client.post(VALIDATE, json={"expression": "0 9 * * 1", "cron_expression": "bad"}, headers=auth)
    assert both.get_json()["cron_expression"] == "0 9 * * 1"
    fallback = client.post(VALIDATE, json={"expression": "", "cron_expression": "5 4 * * *"}, headers=auth)
    assert fallback.get_json()["cron_expression"] == "5 4 * * *"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Cron expression is required."),
        ({"expression": None}, "Cron expression is required."),
        ({"expression": "   "}, "Cron expression is required."),
        ({"expression": "0 0 31 2 *"}, "Cron expression never fires."),
        ({"cron_expression": "61 * * * *"}, "Invalid value for minute: 61 (allowed 0-59)."),
        ({"expression": "@daily"}, "Cron expression must have exactly 5 fields (minute hour day month day-of-week)."),
        ({"expression": "0 0 * * * *"}, "Cron expression must have exactly 5 fields (minute hour day month day-of-week)."),
        ({"expression": "0 0 L * *"}, "Invalid value for day of month: L (allowed 1-31)."),
    ],
)
def test_validate_invalid_is_still_200(client: Any, auth: dict, payload: dict, message: str) -> None:
    response = client.post(VALIDATE, json=payload, headers=auth)
    assert (response.status_code, response.get_json()) == (
        200, {"valid": False, "error": "Invalid cron expression", "message": message}
    )


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"data": '{"expression": "* * * * *"}'}, {"error": "Content-Type must be application/json"}),
        ({"data": "{", "content_type": "application/json"}, {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"json": ["* * * * *"]}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ({"json": {"expression": 5}}, {"error": "Invalid payload", "message": '"expression" must be a string.'}),
        ({"json": {"expression": ["* * * * *"]}}, {"error": "Invalid payload", "message": '"expression" must be a string.'}),
        ({"json": {"cron_expression": {"a": 1}}}, {"error": "Invalid payload", "message": '"cron_expression" must be a string.'}),
    ],
)
@pytest.mark.parametrize("path", [VALIDATE, PREVIEW])
def test_bad_bodies(client: Any, auth: dict, path: str, kwargs: dict, body: dict) -> None:
    response = client.post(path, headers=auth, **kwargs)
    assert (response.status_code, response.get_json()) == (400, body)


# -- cron-preview ----------------------------------------------------------------------


def test_preview_defaults_to_five_runs(client: Any, auth: dict) -> None:
    response = client.post(PREVIEW, json={"expression": " 0 9 * * 0 "}, headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "timezone": "Asia/Tokyo",
        "next_runs": SUNDAYS,
        "count": 5,
        "cron_expression": "0 9 * * 0",
    }


def test_preview_fires_on_either_day_field(client: Any, auth: dict) -> None:
    response = client.post(PREVIEW, json={"cron_expression": "0 9 13 * 5", "count": 4}, headers=auth)
    assert response.get_json()["next_runs"] == [
        "2026-11-27T09:00:00+09:00", "2026-12-04T09:00:00+09:00", "2026-12-11T09:00:00+09:00",
        "2026-12-13T09:00:00+09:00",
    ]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, 5), (None, 5), ("", 5), (False, 5), ([], 5), (2, 2), ("3", 3), (" 2 ", 2), (2.9, 2), ("1.5", 1),
     (50, 20), ("1000", 20), (-1, 0), ("-3", 0), ("0", 0)],
)
def test_preview_count(client: Any, auth: dict, count: object, expected: int) -> None:
    response = client.post(PREVIEW, json={"expression": "* * * * *", "count": count}, headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == len(body["next_runs"]) == expected


def test_preview_runs_strictly_increase(client: Any, auth: dict) -> None:
    runs = client.post(PREVIEW, json={"expression": "*/7 * * * *", "count": 20}, headers=auth).get_json()["next_runs"]
    assert runs[0] == "2026-11-26T10:07:00+09:00"  # strictly after 10:00 ("now")
    assert all(a < b for a, b in zip(runs, runs[1:], strict=False))


@pytest.mark.parametrize("count", ["abc", "1e999", "NaN", True, {"n": 1}, [3]])
def test_preview_non_numeric_count(client: Any, auth: dict, count: object) -> None:
    response = client.post(PREVIEW, json={"expression": "* * * * *", "count": count}, headers=auth)
    assert (response.status_code, response.get_json()) == (
        400, {"error": "Invalid payload", "message": '"count" must be a number.'}
    )


def test_preview_json_infinity_count_is_400(client: Any, auth: dict) -> None:
    response = client.post(
        PREVIEW, data='{"expression": "* * * * *", "count": Infinity}', content_type="application/json", headers=auth
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == '"count" must be a number.'


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Cron expression is required."),
        ({"expression": "0 0 31 2 *"}, "Cron expression never fires."),
        ({"expression": "* * * * 8", "count": "abc"}, "Invalid value for day of week: 8 (allowed 0-6)."),
    ],
)
def test_preview_invalid_cron(client: Any, auth: dict, payload: dict, message: str) -> None:
    response = client.post(PREVIEW, json=payload, headers=auth)
    assert (response.status_code, response.get_json()) == (
        400, {"error": "Invalid cron expression", "message": message}
    )


def test_preview_uses_the_configured_zone_and_its_name(
    database_url: str, engine: object, db: Session, client_for: Callable[[Settings], Any]
) -> None:
    settings = make_settings(database_url, SCHEDULER_TIMEZONE="America/New_York")
    headers = _signed_in_then_frozen(db, settings, "user")
    with client_for(settings) as client:
        body = client.post(PREVIEW, json={"expression": "0 9 * * *", "count": 1}, headers=headers).get_json()
    assert body["timezone"] == "America/New_York"
    assert body["next_runs"] == ["2026-11-26T09:00:00-05:00"]


def test_preview_unknown_zone_falls_back_to_utc_but_echoes_config(
    database_url: str, engine: object, db: Session, client_for: Callable[[Settings], Any]
) -> None:
    settings = make_settings(database_url, SCHEDULER_TIMEZONE="Mars/Olympus")
    headers = _signed_in_then_frozen(db, settings, "user")
    with client_for(settings) as client:
        body = client.post(PREVIEW, json={"expression": "0 9 * * *", "count": 1}, headers=headers).get_json()
    assert body["timezone"] == "Mars/Olympus"
    assert body["next_runs"] == ["2026-11-26T09:00:00+00:00"]


# -- roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "user", "admin"])
@pytest.mark.parametrize("path", [VALIDATE, PREVIEW])
def test_any_signed_in_role(client: Any, db: Session, settings: Settings, role: str, path: str) -> None:
    response = client.post(path, json={"expression": "0 9 * * 0"}, headers=_signed_in_then_frozen(db, settings, role))
    assert response.status_code == 200
    assert response.get_json()["cron_expression"] == "0 9 * * 0"


@pytest.mark.parametrize("path", [VALIDATE, PREVIEW])
def test_anonymous_is_401(client: Any, path: str) -> None:
    response = client.post(path, json={"expression": "0 9 * * 0"})
    assert (response.status_code, response.get_json()) == (401, {"msg": "Missing Authorization Header"})
