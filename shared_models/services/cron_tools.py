"""Cron tools (API_CONTRACT.md §3.4.1-3.4.2, D3): validate an expression, preview its runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from shared_models import cron
from shared_models.clock import utcnow
from shared_models.errors import bad_request, invalid_payload
from shared_models.formats import zoned_time
from shared_models.requests import JsonBody, number_field, string_field
from shared_models.settings import Settings

DEFAULT_PREVIEW_COUNT = 5
MAX_PREVIEW_COUNT = 20
EXPRESSION_KEYS = ("expression", "cron_expression")


def _expression(payload: Mapping[str, Any]) -> str:
    """`expression`, else `cron_expression` (the legacy `a or b`); "" when neither is set.

    A key is type-checked only when it is read (D1: a non-string is a 400).
    """
    for key in EXPRESSION_KEYS:
        value = string_field(payload, key)
        if value:
            return value
    return ""


def validate_cron(*, body: JsonBody) -> dict[str, Any]:
    """Always 200 for a well-formed request; validity is reported in the body."""
    expression = _expression(body.object())
    try:
        trimmed = cron.validate(expression)
    except cron.CronError as error:
        return {"valid": False, "error": "Invalid cron expression", "message": str(error)}
    return {
        "valid": True,
        "message": "Valid cron expression",
        "cron_expression": trimmed,
        "description": cron.describe(trimmed),
    }


def _preview_count(payload: Mapping[str, Any]) -> int:
    """`count`: falsy → 5 (the legacy `int(count or 5)`), numbers and numeric strings
    truncated to an int, then capped at 20; negative counts give no runs."""
    if not payload.get("count"):
        return DEFAULT_PREVIEW_COUNT
    number = number_field(payload, "count")
    if not isinstance(number, float) or not math.isfinite(number):
        raise invalid_payload('"count" must be a number.')
    return min(int(number), MAX_PREVIEW_COUNT)


def cron_preview(*, settings: Settings, body: JsonBody) -> dict[str, Any]:
    """The next runs after now, in the scheduler zone, each strictly after the last.

    The expression is checked before `count`, so a bad expression is reported first.
    """
    payload = body.object()
    try:
        schedule = cron.parse(_expression(payload))
    except cron.CronError as error:
        raise bad_request("Invalid cron expression", str(error)) from None
    count = _preview_count(payload)
    runs = schedule.runs_after(utcnow(), settings.timezone, count)
    return {
        "timezone": settings.SCHEDULER_TIMEZONE,
        "next_runs": [zoned_time(run) for run in runs],
        "count": len(runs),
        "cron_expression": schedule.expression,
    }
