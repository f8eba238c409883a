"""Slack settings (§3.2, D1, D11) on each stack (tests/stacks.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.models import SlackSettings
from shared_models.settings import Settings
from tests.helpers import bearer, make_user

NOW = datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)
NOW_TEXT = "2026-03-04T05:06:07.891Z"
HOOK = "https://hooks.slack.com/services/T0/B0/xyz"
INSUFFICIENT = {
    "error": "Insufficient permissions",
    "message": "This endpoint requires one of the following roles: admin",
}
NEEDS_URL = {"error": "Invalid settings", "message": "webhook_url is required when Slack is enabled."}
NOT_HTTPS = {"error": "Invalid settings", "message": "Webhook URL must be an https:// URL with a host."}


@pytest.fixture
def admin(db: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(db, "admin"))


def _rows(db: Session) -> list[tuple]:
    """The settings rows, read in a fresh transaction (SQLite WAL snapshots)."""
    db.rollback()
    db.expire_all()
    return db.execute(
        select(SlackSettings.id, SlackSettings.is_enabled, SlackSettings.webhook_url, SlackSettings.channel,
               SlackSettings.updated_at)
    ).all()


def _existing(db: Session, **fields: object) -> SlackSettings:
    row = SlackSettings(**{"is_enabled": False, "webhook_url": None, "channel": None, **fields})
    db.add(row)
    db.commit()
    return row


# -- GET -------------------------------------------------------------------------------


def test_get_creates_the_singleton(client: Any, db: Session, admin: dict) -> None:
    assert _rows(db) == []
    clock.freeze(NOW)
    response = client.get("/api/settings/slack", headers=admin)
    assert response.status_code == 200
    rows = _rows(db)
    assert len(rows) == 1
    assert response.get_json() == {
        "slack_settings": {
            "id": rows[0].id, "is_enabled": False, "webhook_url": None, "channel": None,
            "created_at": NOW_TEXT, "updated_at": NOW_TEXT,
        }
    }
    again = client.get("/api/settings/slack", headers=admin)
    assert again.get_json() == response.get_json()
    assert len(_rows(db)) == 1


def test_get_returns_the_oldest_row(client: Any, db: Session, admin: dict) -> None:
    first = _existing(db, is_enabled=True, webhook_url=HOOK, channel="#ops", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    _existing(db, channel="#other", created_at=datetime(2025, 6, 1, tzinfo=UTC))
    body = client.get("/api/settings/slack", headers=admin).get_json()["slack_settings"]
    assert (body["id"], body["is_enabled"], body["webhook_url"], body["channel"]) == (first.id, True, HOOK, "#ops")
    assert body["created_at"] == "2025-01-01T00:00:00.000Z"


# -- PUT -------------------------------------------------------------------------------


def test_put_creates_and_updates(client: Any, db: Session, admin: dict) -> None:
    clock.freeze(NOW)
    response = client.put(
        "/api/settings/slack", json={"is_enabled": True, "webhook_url": f"  {HOOK} ", "channel": " #alerts "}, headers=admin
    )
    assert response.status_code == 200
    rows = _rows(db)
    assert response.get_json() == {
        "message": "Slack settings updated",
        "slack_settings": {
            "id": rows[0].id, "is_enabled": True, "webhook_url": HOOK, "channel": "#alerts",
            "created_at": NOW_TEXT, "updated_at": NOW_TEXT,
        },
    }
    assert [(r.is_enabled, r.webhook_url, r.channel) for r in rows] == [(True, HOOK, "#alerts")]


def test_put_applies_only_present_keys(client: Any, db: Session, admin: dict) -> None:
    _existing(db, is_enabled=True, webhook_url=HOOK, channel="#ops")
    response = client.put("/api/settings/slack", json={"channel": "#new"}, headers=admin)
    assert response.status_code == 200
    assert [(r.is_enabled, r.webhook_url, r.channel) for r in _rows(db)] == [(True, HOOK, "#new")]


@pytest.mark.parametrize("cleared", [None, "", "   "])
def test_put_clears_channel_and_url_when_disabled(client: Any, db: Session, admin: dict, cleared: object) -> None:
    _existing(db, is_enabled=True, webhook_url=HOOK, channel="#ops")
    response = client.put(
        "/api/settings/slack", json={"is_enabled": False, "webhook_url": cleared, "channel": cleared}, headers=admin
    )
    assert response.status_code == 200
    body = response.get_json()["slack_settings"]
    assert (body["is_enabled"], body["webhook_url"], body["channel"]) == (False, None, None)
    assert [(r.is_enabled, r.webhook_url, r.channel) for r in _rows(db)] == [(False, None, None)]


def test_put_accepts_an_allowed_local_host_over_http(client: Any, db: Session, admin: dict) -> None:
    # WEBHOOK_ALLOWED_HOSTS (127.0.0.1 in the tests) is exempt, as for job targets (D11).
    response = client.put("/api/settings/slack", json={"webhook_url": "http://127.0.0.1:8080/hook"}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["slack_settings"]["webhook_url"] == "http://127.0.0.1:8080/hook"
    assert [row.webhook_url for row in _rows(db)] == ["http://127.0.0.1:8080/hook"]


@pytest.mark.parametrize(
    ("existing", "payload", "body"),
    [
        ({}, {"is_enabled": True}, NEEDS_URL),
        ({}, {"is_enabled": True, "webhook_url": "  "}, NEEDS_URL),
        ({"is_enabled": True, "webhook_url": HOOK}, {"webhook_url": None}, NEEDS_URL),
        ({"is_enabled": True, "webhook_url": HOOK}, {"webhook_url": "", "channel": "#x"}, NEEDS_URL),
        ({}, {"webhook_url": "http://hooks.slack.com/x"}, NOT_HTTPS),
        ({}, {"is_enabled": True, "webhook_url": "hooks.slack.com/x"}, NOT_HTTPS),
        ({}, {"webhook_url": "ftp://hooks.slack.com/x"}, NOT_HTTPS),
        ({}, {"webhook_url": "https://10.1.2.3/hook"}, {
            "error": "Invalid settings",
            "message": "Webhook URL must not point to a loopback, private, link-local or multicast address.",
        }),
        ({}, {"webhook_url": "https://hooks.slack.com/" + "x" * 500},
         {"error": "Invalid settings", "message": "Webhook URL must be at most 500 characters."}),
        ({}, {"channel": "#" * 256}, {"error": "Invalid settings", "message": "channel must be at most 255 characters."}),
        ({}, {"is_enabled": "true", "webhook_url": HOOK},
         {"error": "Invalid payload", "message": '"is_enabled" must be a boolean.'}),
        ({}, {"is_enabled": None}, {"error": "Invalid payload", "message": '"is_enabled" must be a boolean.'}),
        ({}, {"webhook_url": 42}, {"error": "Invalid payload", "message": '"webhook_url" must be a string.'}),
        ({}, {"channel": ["#a"]}, {"error": "Invalid payload", "message": '"channel" must be a string.'}),
    ],
)
def test_put_errors_commit_nothing(
    client: Any, db: Session, admin: dict, existing: dict, payload: dict, body: dict
) -> None:
    if existing:
        _existing(db, **existing)
    before = _rows(db)
    response = client.put("/api/settings/slack", json=payload, headers=admin)
    assert (response.status_code, response.get_json()) == (400, body)
    assert _rows(db) == before  # not even the singleton is created


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"data": '{"is_enabled": false}'}, {"error": "Content-Type must be application/json"}),
        ({"data": "{nope", "content_type": "application/json"}, {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"json": [True]}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
    ],
)
def test_put_bad_bodies(client: Any, db: Session, admin: dict, kwargs: dict, body: dict) -> None:
    response = client.put("/api/settings/slack", headers=admin, **kwargs)
    assert (response.status_code, response.get_json()) == (400, body)
    assert _rows(db) == []


# -- roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "viewer", "user"])
def test_admin_only(client: Any, db: Session, settings: Settings, role: str) -> None:
    headers = {} if role == "anonymous" else bearer(settings, make_user(db, role))
    expected = (
        (401, {"msg": "Missing Authorization Header"}) if role == "anonymous" else (403, INSUFFICIENT)
    )
    for response in (
        client.get("/api/settings/slack", headers=headers),
        client.put("/api/settings/slack", json={"is_enabled": False}, headers=headers),
    ):
        assert (response.status_code, response.get_json()) == expected
    assert _rows(db) == []
