"""Cron tools' answers (API_CONTRACT.md §3.4.1–§3.4.2, D3); the request bodies are
`shared_models.contracts.cron_tools`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class CronValidation(BaseModel):
    """Always 200 for a well-formed request: validity is in the body."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"valid": True, "message": "Valid cron expression", "cron_expression": "0 9 * * 1-5",
                 "description": "At 09:00 AM, Monday through Friday"},
                {"valid": False, "error": "Invalid cron expression",
                 "message": "Invalid value for minute: 61 (allowed 0-59)."},
            ]
        }
    )

    valid: bool
    message: str
    error: Literal["Invalid cron expression"] | None = None
    cron_expression: str | None = None
    description: str | None = None


class CronPreview(BaseModel):
    """The next runs after now in the scheduler zone (D4 zoned times); `count` = their number."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"timezone": "Asia/Tokyo", "next_runs": ["2026-11-27T09:00:00+09:00", "2026-11-30T09:00:00+09:00"],
                 "count": 2, "cron_expression": "0 9 * * 1-5"}
            ]
        }
    )

    timezone: str
    next_runs: list[str]
    count: int
    cron_expression: str
