"""Slack settings (API_CONTRACT.md §1.7, §3.2): the single row, as `slack_settings_to_dict` renders it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

_SLACK_EXAMPLE = {
    "id": "6a1f0c3e-2b4d-4e8f-9a0b-1c2d3e4f5a6b",
    "is_enabled": True,
    "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX",
    "channel": "#cron-alerts",
    "created_at": "2026-11-26T12:51:04.775Z",
    "updated_at": "2026-11-26T12:51:04.775Z",
}


class SlackSettingsRead(BaseModel):
    id: str
    is_enabled: bool
    webhook_url: str | None
    channel: str | None
    created_at: str | None
    updated_at: str | None


class SlackSettingsEnvelope(BaseModel):
    """GET /settings/slack (the row is created, disabled and empty, when missing)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"slack_settings": _SLACK_EXAMPLE}]})

    slack_settings: SlackSettingsRead


class SlackSettingsUpdated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"message": "Slack settings updated", "slack_settings": _SLACK_EXAMPLE}]}
    )

    message: Literal["Slack settings updated"]
    slack_settings: SlackSettingsRead


