"""The Slack settings contract (§3.2.2, D1)."""

from __future__ import annotations

import json

import pytest

from shared_models.contracts import parse_body
from shared_models.contracts.settings import SlackSettingsUpdate
from shared_models.errors import ApiError
from shared_models.requests import JsonBody


def parse(payload: dict) -> SlackSettingsUpdate:
    return parse_body(SlackSettingsUpdate, JsonBody("application/json", json.dumps(payload).encode()))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"is_enabled": "true", "webhook_url": 1}, '"is_enabled" must be a boolean.'),
        ({"is_enabled": None}, '"is_enabled" must be a boolean.'),
        ({"webhook_url": 42, "channel": ["#a"]}, '"webhook_url" must be a string.'),
        ({"channel": ["#a"]}, '"channel" must be a string.'),
    ],
)
def test_types_in_field_order(payload: dict, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse(payload)
    assert (caught.value.status, caught.value.body) == (400, {"error": "Invalid payload", "message": message})


def test_null_strings_are_sent_and_clear() -> None:
    update = parse({"webhook_url": None, "channel": None, "is_enabled": 0})
    assert (update.webhook_url, update.channel, update.is_enabled) == (None, None, False)
    assert update.sent() == {"webhook_url", "channel", "is_enabled"}
