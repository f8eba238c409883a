"""The Slack settings body (§3.2.2, D1, D11). Field order is the check order: every
type first, then the service's value rules."""

from __future__ import annotations

from pydantic import ConfigDict

from shared_models.contracts.base import Contract
from shared_models.contracts.fields import Flag, omittable


class SlackSettingsUpdate(Contract):
    """PUT /settings/slack: each key present is applied.

    `webhook_url` and `channel` are trimmed, empty or null clears them; the URL must be
    `https` and not internal (D11); enabling needs a webhook URL.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "is_enabled": True,
                    "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX",
                    "channel": "#cron-alerts",
                }
            ]
        }
    )

    is_enabled: Flag = omittable()
    webhook_url: str | None = None
    channel: str | None = None
