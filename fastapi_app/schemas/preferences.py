"""Notification and UI preferences of a user (API_CONTRACT.md §1.8, §1.9, §3.1.9–§3.1.12)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

_PREFERENCES_EXAMPLE = {
    "id": "0b7a3c52-8f0e-4a8e-9a57-1c2d3e4f5a6b",
    "user_id": "4f6c1a0e-9b1d-4c55-9d59-5a0d7e2b9c11",
    "email_on_job_success": True,
    "email_on_job_failure": True,
    "email_on_job_disabled": False,
    "browser_notifications": False,
    "daily_digest": False,
    "weekly_report": False,
    "created_at": "2026-11-26T12:51:04.775Z",
    "updated_at": "2026-11-26T12:51:04.775Z",
}
_COLUMNS_EXAMPLE = {
    "pic_team": True,
    "end_date": True,
    "cron_expression": False,
    "target_url": False,
    "last_execution_at": False,
}


class NotificationPreferencesRead(BaseModel):
    id: str
    user_id: str
    email_on_job_success: bool
    email_on_job_failure: bool
    email_on_job_disabled: bool
    browser_notifications: bool
    daily_digest: bool
    weekly_report: bool
    created_at: str | None
    updated_at: str | None


class NotificationPreferencesEnvelope(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"message": "Notification preferences retrieved successfully", "preferences": _PREFERENCES_EXAMPLE}
            ]
        }
    )

    message: Literal[
        "Notification preferences retrieved successfully", "Notification preferences updated successfully"
    ]
    preferences: NotificationPreferencesRead


class JobsTableColumns(BaseModel):
    """Which optional columns the jobs table shows."""

    pic_team: bool
    end_date: bool
    cron_expression: bool
    target_url: bool
    last_execution_at: bool


class UiPreferences(BaseModel):
    jobs_table_columns: JobsTableColumns


class UiPreferencesEnvelope(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"preferences": {"jobs_table_columns": _COLUMNS_EXAMPLE}}]})

    preferences: UiPreferences


