"""Slack settings (API_CONTRACT.md §3.2): one row, read and written by admins.

The contract reads "the first row"; with several rows (never made by this code) the
oldest one, then the smallest id, is that row on every stack.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.contracts.settings import SlackSettingsUpdate
from shared_models.errors import ApiError, bad_request
from shared_models.models import SlackSettings
from shared_models.outbound.ssrf import UnsafeTarget, check_target_url
from shared_models.serializers import slack_settings_to_dict
from shared_models.settings import Settings

CHANNEL_MAX_LENGTH = 255


def _singleton(session: Session) -> SlackSettings:
    """The settings row, created (disabled, no URL, no channel) when there is none."""
    row = session.scalar(
        select(SlackSettings).order_by(SlackSettings.created_at, SlackSettings.id).limit(1)
    )
    if row is None:
        row = SlackSettings(is_enabled=False, webhook_url=None, channel=None)
        session.add(row)
        session.flush()
    return row


def get_slack_settings(*, session: Session) -> dict[str, Any]:
    """GET: writes when the row is missing, so the route must run as a write."""
    return {"slack_settings": slack_settings_to_dict(_singleton(session))}


def _invalid(message: str) -> ApiError:
    return bad_request("Invalid settings", message)


def _optional_text(value: str | None) -> str | None:
    """Trimmed; empty or null → null (clears the value)."""
    text = (value or "").strip()
    return text or None


def update_slack_settings(*, session: Session, settings: Settings, body: SlackSettingsUpdate) -> dict[str, Any]:
    """PUT: each key sent is applied; enabled without a webhook URL is refused.

    Beyond the legacy route (D1, D11): the contract checked the types (`is_enabled` a
    boolean, `webhook_url` and `channel` strings or null); a webhook URL must be an https
    URL that does not point to an internal address (the weekly Slack post only ever calls
    https URLs, so accepting anything else would store a setting that silently never
    works); `channel` is at most 255 characters (its column). Every check runs before the
    row changes, so a refused request leaves it as it was.
    """
    sent = body.sent()
    url = _optional_text(body.webhook_url)  # None when absent, null or blank
    if url is not None:
        try:
            check_target_url(url, settings)
        except UnsafeTarget as error:
            raise _invalid(str(error)) from None
    channel = _optional_text(body.channel)
    if channel is not None and len(channel) > CHANNEL_MAX_LENGTH:
        raise _invalid(f"channel must be at most {CHANNEL_MAX_LENGTH} characters.")

    row = _singleton(session)
    enabled = body.is_enabled if "is_enabled" in sent else row.is_enabled
    webhook_url = url if "webhook_url" in sent else row.webhook_url
    if enabled and not webhook_url:
        raise _invalid("webhook_url is required when Slack is enabled.")

    row.is_enabled = enabled
    row.webhook_url = webhook_url
    if "channel" in sent:
        row.channel = channel
    session.flush()
    return {"message": "Slack settings updated", "slack_settings": slack_settings_to_dict(row)}
