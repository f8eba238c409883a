"""Cron tools (API_CONTRACT.md §3.4.1-3.4.2, D3): validate an expression, preview its runs.

The bodies arrive as contracts (`shared_models.contracts.cron_tools`), type-checked.
"""

from __future__ import annotations

import math
from typing import Any

from shared_models import cron
from shared_models.clock import utcnow
from shared_models.contracts.cron_tools import CronExpression, CronPreviewBody
from shared_models.errors import invalid_payload
from shared_models.formats import zoned_time
from shared_models.settings import Settings

MAX_PREVIEW_COUNT = 20


def validate_cron(*, body: CronExpression) -> dict[str, Any]:
    """Always 200 for a well-formed request; validity is reported in the body."""
    try:
        trimmed = cron.validate(body.text)
    except cron.CronError as error:
        return {"valid": False, "error": "Invalid cron expression", "message": str(error)}
    return {
        "valid": True,
        "message": "Valid cron expression",
        "cron_expression": trimmed,
        "description": cron.describe(trimmed),
    }


def _preview_count(number: float) -> int:
    """`count` truncated to an int, then capped at 20; negative counts give no runs
    (a JSON Infinity is not a count)."""
    if not math.isfinite(number):
        raise invalid_payload('"count" must be a number.')
    return min(int(number), MAX_PREVIEW_COUNT)


def cron_preview(*, settings: Settings, body: CronPreviewBody) -> dict[str, Any]:
    """The next runs after now, in the scheduler zone, each strictly after the last.

    The contract refused an expression that does not parse (before `count`'s type).
    """
    schedule = cron.parse(body.text)
    count = _preview_count(body.count)
    runs = schedule.runs_after(utcnow(), settings.timezone, count)
    return {
        "timezone": settings.SCHEDULER_TIMEZONE,
        "next_runs": [zoned_time(run) for run in runs],
        "count": len(runs),
        "cron_expression": schedule.expression,
    }
