"""The JSON shape of every resource, shared by both stacks (API_CONTRACT.md §1, D4).

Each function reads attributes only, so it takes an ORM instance or a Core row alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from shared_models.formats import iso_date, utc_instant

_LONG_DIGITS = re.compile(r"[0-9]{19}")  # an integer literal past 64 bits has at least 19 digits

PREFERENCE_FLAGS = (
    "email_on_job_success",
    "email_on_job_failure",
    "email_on_job_disabled",
    "browser_notifications",
    "daily_digest",
    "weekly_report",
)


def metadata_to_text(value: Any) -> str | None:
    """Stored when truthy, as `json.dumps` text; falsy values clear it (§1.2)."""
    return json.dumps(value) if value else None


def metadata_from_text(text: str | None) -> Any:
    """The stored JSON text as data (`{}` when empty or unreadable), exactly as `json.loads`
    reads it.

    orjson reads it in a fraction of the time (every job of a list, in both stacks), and
    where it reads anything it gives the same values, but for integers past 64 bits, which
    it turns into floats: text with 19 digits in a row goes to `json.loads`, and so does
    anything orjson refuses (NaN, Infinity, lone surrogates, too deep)."""
    if not text:
        return {}
    try:
        if _LONG_DIGITS.search(text) is None:
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                pass
        return json.loads(text)
    except ValueError:
        return {}


def emails_to_text(value: list[str] | str | None) -> str | None:
    if isinstance(value, list):
        return ",".join(value) or None
    return value or None


def emails_from_text(text: str | None) -> list[str]:
    if not text:
        return []
    return [item.strip() for item in text.split(",") if item.strip()]


def user_to_dict(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
        "created_at": utc_instant(user.created_at),
        "updated_at": utc_instant(user.updated_at),
    }


def job_to_dict(job: Any) -> dict[str, Any]:
    return {
        "id": job.id,
        "name": job.name,
        "cron_expression": job.cron_expression,
        "target_url": job.target_url,
        "github_owner": job.github_owner,
        "github_repo": job.github_repo,
        "github_workflow_name": job.github_workflow_name,
        "metadata": metadata_from_text(job.job_metadata),
        "category": job.category,
        "end_date": iso_date(job.end_date),
        "pic_team": job.pic_team,
        "enable_email_notifications": job.enable_email_notifications,
        "notification_emails": emails_from_text(job.notification_emails),
        "notify_on_success": job.notify_on_success,
        "created_by": job.created_by,
        "is_active": job.is_active,
        "created_at": utc_instant(job.created_at),
        "updated_at": utc_instant(job.updated_at),
    }


def execution_to_dict(execution: Any) -> dict[str, Any]:
    return {
        "id": execution.id,
        "job_id": execution.job_id,
        "status": execution.status,
        "trigger_type": execution.trigger_type,
        "started_at": utc_instant(execution.started_at),
        "completed_at": utc_instant(execution.completed_at),
        "duration_seconds": execution.duration_seconds,
        "execution_type": execution.execution_type,
        "target": execution.target,
        "response_status": execution.response_status,
        "error_message": execution.error_message,
        "output": execution.output,
    }


def notification_to_dict(notification: Any) -> dict[str, Any]:
    return {
        "id": notification.id,
        "user_id": notification.user_id,
        "title": notification.title,
        "message": notification.message,
        "type": notification.type,
        "related_job_id": notification.related_job_id,
        "related_execution_id": notification.related_execution_id,
        "is_read": notification.is_read,
        "read_at": utc_instant(notification.read_at),
        "created_at": utc_instant(notification.created_at),
    }


def category_to_dict(category: Any) -> dict[str, Any]:
    return {
        "id": category.id,
        "slug": category.slug,
        "name": category.name,
        "is_active": category.is_active,
        "created_at": utc_instant(category.created_at),
        "updated_at": utc_instant(category.updated_at),
    }


def pic_team_to_dict(team: Any) -> dict[str, Any]:
    return {
        "id": team.id,
        "slug": team.slug,
        "name": team.name,
        "slack_handle": team.slack_handle,
        "is_active": team.is_active,
        "created_at": utc_instant(team.created_at),
        "updated_at": utc_instant(team.updated_at),
    }


def slack_settings_to_dict(settings: Any) -> dict[str, Any]:
    return {
        "id": settings.id,
        "is_enabled": settings.is_enabled,
        "webhook_url": settings.webhook_url,
        "channel": settings.channel,
        "created_at": utc_instant(settings.created_at),
        "updated_at": utc_instant(settings.updated_at),
    }


def preferences_to_dict(preferences: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": preferences.id, "user_id": preferences.user_id}
    body.update({flag: getattr(preferences, flag) for flag in PREFERENCE_FLAGS})
    body["created_at"] = utc_instant(preferences.created_at)
    body["updated_at"] = utc_instant(preferences.updated_at)
    return body
